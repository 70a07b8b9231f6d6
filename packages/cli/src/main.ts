import { createRequire } from 'node:module'
import { didYouMean } from './closest.js'
import type { CommandSpec } from './command.js'
import { doctorCommand } from './commands/doctor.js'
import { enterCommand, lsCommand, rmCommand } from './commands/kept.js'
import { nsCommand } from './commands/ns.js'
import { runCommand } from './commands/run.js'
import { EXIT_USAGE, UsageError, reportError } from './errors.js'
import { commandHelp, overview } from './help.js'
import { parseCommandLine } from './parse.js'

/** Every command, in the order the help lists them. */
export const COMMANDS: readonly CommandSpec[] = [doctorCommand, runCommand, nsCommand, lsCommand, enterCommand, rmCommand] as readonly CommandSpec[]

const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version

/** Runs `isolane ARGS...`; resolves to the exit status (see EXIT_STATUSES in help.ts). */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv
  try {
    switch (name) {
      case undefined:
        // No command: the overview, and the status of a usage error, as a script that forgot it would want.
        process.stdout.write(overview(COMMANDS))
        return EXIT_USAGE
      case '-h':
      case '--help':
        process.stdout.write(overview(COMMANDS))
        return 0
      case '-V':
      case '--version':
        process.stdout.write(`isolane ${version}\n`)
        return 0
      case 'help':
        return help(rest)
    }
    const command = find(name)
    const parsed = parseCommandLine(command, rest)
    if (parsed === 'help') {
      process.stdout.write(commandHelp(command))
      return 0
    }
    return await command.run(parsed)
  } catch (error) {
    return reportError(error)
  }
}

/** `isolane help [COMMAND]`. */
function help(args: readonly string[]): number {
  if (args.length > 1) throw new UsageError(`isolane help takes one command at most, not ${args.length}: isolane help ${args[0]}`)
  process.stdout.write(args[0] === undefined ? overview(COMMANDS) : commandHelp(find(args[0])))
  return 0
}

function find(name: string): CommandSpec {
  const command = COMMANDS.find((candidate) => candidate.name === name)
  if (command !== undefined) return command
  const names = [...COMMANDS.map((candidate) => candidate.name), 'help']
  const meant = name.startsWith('-') ? '' : didYouMean(name, names)
  const what = name.startsWith('-') ? `option ${name} before a command` : `command "${name}"`
  throw new UsageError(`unknown ${what}; ${meant || `the commands are ${names.join(', ')}`}`)
}
