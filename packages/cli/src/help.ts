// `isolane --help`, `isolane help CMD`, `isolane CMD --help`: written from the commands'
// definitions (command.ts), the same ones their arguments are parsed from (parse.ts).
import type { CommandSpec } from './command.js'
import { EXIT_ISOLANE_FAILED, EXIT_USAGE } from './errors.js'
import { HELP_OPTION } from './parse.js'

const WIDTH = 80
const LEFT = 30

/** Every exit status of `isolane`, said once: in the overview, and each command's own in its help. */
export const EXIT_STATUSES: ReadonlyArray<readonly [string, string]> = [
  ['0', 'success (doctor: this machine can isolate)'],
  ['1', 'doctor: no way to make the default namespaces works here'],
  [String(EXIT_USAGE), 'usage: an unknown command or option, a missing or bad value'],
  [String(EXIT_ISOLANE_FAILED), 'isolane itself failed: bad isolation options, a refused syscall (the message says why and what to do)'],
  ['126, 127', 'run: CMD could not be run, or was not found (as env(1))'],
  ['other', "run, enter: CMD's own exit status (128+N when signal N ended it)"],
]

/** The overview: every command with what it takes, the exit statuses, where to read more. */
export function overview(commands: readonly CommandSpec[]): string {
  const lines = ['isolane: Linux namespaces for test workers', '', 'Usage:']
  for (const command of commands) {
    lines.push(...row(`isolane ${command.name} ${command.synopsis}`.trimEnd(), command.summary))
    const options = Object.entries(command.options).map(([name, option]) => `--${name}${option.value ? ` ${option.value}` : ''}`)
    if (options.length > 0) lines.push(...wrap(options, 6, '  '))
  }
  lines.push(...row('isolane help [COMMAND]', 'this help, or a command\'s: what each option does'))
  lines.push('', 'Exit status:', ...EXIT_STATUSES.flatMap(([status, meaning]) => row(status, meaning, 12)))
  lines.push('', 'Each command\'s options: isolane help COMMAND, or isolane COMMAND --help.')
  return `${lines.join('\n')}\n`
}

/** One command's help: usage, what it does, every option it takes, how it exits, examples. */
export function commandHelp(command: CommandSpec): string {
  const lines = [`Usage: isolane ${command.name} ${command.synopsis}`.trimEnd(), '', ...wrap(command.summary.replace(/^./, (c) => c.toUpperCase()) + '.', 0)]
  for (const paragraph of command.description) lines.push('', ...wrap(paragraph, 0))
  lines.push('', 'Options:')
  for (const [name, option] of Object.entries(command.options)) lines.push(...row(`--${name}${option.value ? ` ${option.value}` : ''}`, option.help))
  lines.push(...row(`-${HELP_OPTION.short}, --help`, HELP_OPTION.help))
  lines.push('', 'Exit status:')
  for (const line of command.exitStatus) lines.push(...wrap(line, 2))
  lines.push(...wrap(`${EXIT_USAGE} on a usage error, ${EXIT_ISOLANE_FAILED} when isolane itself failed (the message says why and what to do).`, 2))
  if (command.examples.length > 0) lines.push('', 'Examples:', ...command.examples.map((example) => `  ${example}`))
  return `${lines.join('\n')}\n`
}

/** `  left      text` with the text wrapped in its column; on a line of its own when left is long. */
function row(left: string, text: string, column = LEFT): string[] {
  const head = `  ${left}`
  const body = wrap(text, column)
  if (head.length < column - 1) return [head.padEnd(column) + body[0]!.trimStart(), ...body.slice(1)]
  return [head, ...body]
}

/** Text (split at spaces) or items (kept whole, `--tmpfs PATH`) in lines of WIDTH at most, indented. */
function wrap(text: string | readonly string[], indent: number, separator = ' '): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of typeof text === 'string' ? text.split(/\s+/).filter(Boolean) : text) {
    if (line !== '' && indent + line.length + separator.length + word.length > WIDTH) {
      lines.push(' '.repeat(indent) + line)
      line = word
    } else line = line === '' ? word : `${line}${separator}${word}`
  }
  lines.push(' '.repeat(indent) + line)
  return lines
}
