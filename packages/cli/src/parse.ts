// A command's arguments, parsed from its definition with node:util parseArgs. A lenient first pass
// (tokens) finds where isolane's options end: for a command that runs one, at its first operand or
// at `--`, so that `isolane run node --version` leaves `--version` to node. Every option token
// before that is checked here, so that a mistake is said in isolane's words, with the option the
// user most likely meant; a strict second pass over those arguments then gives the values.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { didYouMean } from './closest.js'
import type { CommandSpec, OptionSpecs, Parsed, Values } from './command.js'
import { UsageError } from './errors.js'

/** Every command takes `-h`/`--help`: its help, generated from the same definition. */
export const HELP_OPTION = { type: 'boolean', short: 'h', help: 'this help' } as const

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number]

/** The command's arguments, or 'help' when it is asked for; throws a UsageError on anything else. */
export function parseCommandLine<O extends OptionSpecs>(spec: CommandSpec<O>, argv: readonly string[]): Parsed<O> | 'help' {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: HELP_OPTION.type, short: HELP_OPTION.short } }
  for (const [name, option] of Object.entries(spec.options)) options[name] = { type: option.type, multiple: option.multiple === true }
  const args = [...argv]
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true })

  // Where isolane's arguments end, and what is left: a command's, or operands after `--`.
  const first = spec.operands === 'command' ? tokens.find((token) => token.kind !== 'option') : tokens.find((token) => token.kind === 'option-terminator')
  const end = first?.index ?? args.length
  const rest = first === undefined ? undefined : args.slice(first.kind === 'option-terminator' ? end + 1 : end)
  const own = tokens.filter((token) => token.index < end)

  if (own.some((token) => token.kind === 'option' && token.name === 'help')) return 'help'
  for (const token of own) if (token.kind === 'option') checkOption(spec, token)

  const { values, positionals } = parseArgs({ args: args.slice(0, end), options, strict: true, allowPositionals: spec.operands !== 'command' })
  if (spec.operands === 'none') {
    const extra = positionals[0] ?? rest?.[0]
    if (extra !== undefined) throw new UsageError(`isolane ${spec.name} takes no arguments, and was given "${extra}"`, spec.name)
  }
  delete values.help
  return { values: values as Values<O>, operands: positionals, rest }
}

function checkOption(spec: CommandSpec, token: Extract<Token, { kind: 'option' }>): void {
  const option = Object.hasOwn(spec.options, token.name) ? spec.options[token.name] : undefined
  const name = `--${token.name}`
  if (option === undefined) {
    const known = [...Object.keys(spec.options).map((key) => `--${key}`), '--help']
    const hint = didYouMean(token.rawName.startsWith('--') ? token.rawName : name, known) || `it takes ${known.join(', ')}`
    throw new UsageError(`unknown option ${token.rawName} for isolane ${spec.name}; ${hint}`, spec.name)
  }
  if (option.type === 'boolean') {
    if (token.value !== undefined) throw new UsageError(`${name} takes no value, and was given "${token.value}": leave out the =${token.value}`, spec.name)
    return
  }
  // A value that looks like an option (`--hostname --net`) is a forgotten value, as parseArgs says in strict mode.
  if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))) {
    throw new UsageError(`${name} needs a value${option.value ? ` (${option.value})` : ''}${token.value === undefined ? '' : `, and "${token.value}" looks like an option; to give it anyway: ${name}=${token.value}`}`, spec.name)
  }
  if (option.choices !== undefined && !option.choices.includes(token.value)) {
    const meant = didYouMean(token.value, option.choices)
    throw new UsageError(`${name} takes ${option.choices.join(', ')}, not "${token.value}"${meant && `; ${meant}`}`, spec.name)
  }
}
