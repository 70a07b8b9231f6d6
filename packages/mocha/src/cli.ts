// The `isolane-mocha` command: `mocha`'s command line, with every spec file in a fresh isolated
// worker (or isolated workers reused across files, with --isolane-reuse-workers). Errors are printed the way `mocha` prints them, and the exit code follows its rules.
// The project's Mocha is loaded once the help is out of the way: where there is none, or none that
// isolane-mocha supports, that is said as any other error.
import { createRequire } from 'node:module'
import { isIsolaneError, OPTIONS } from '@isolane/core/internal'

const require = createRequire(import.meta.url)
const ownVersion = (require('../package.json') as { version: string }).version

/** Where the help's descriptions start, and where its lines end. */
const HELP_COLUMN = 31
const HELP_WIDTH = 92

/** The `--isolane-*` flags' part of the help, from core's option table (its `mocha` entries), in its order. */
function isolaneFlagsHelp(): string {
  return Object.values(OPTIONS).flatMap((spec) => (spec.mocha ? [helpEntry(spec.mocha.usage, spec.mocha.help)] : [])).join('\n')
}

/** `  usage   help`, the help wrapped at HELP_WIDTH under HELP_COLUMN; on its own line when the usage reaches the column. */
function helpEntry(usage: string, help: string): string {
  const lines: string[] = []
  let line = ''
  for (const word of help.split(' ')) {
    if (line !== '' && HELP_COLUMN + line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(line)
      line = word
    } else line = line === '' ? word : `${line} ${word}`
  }
  lines.push(line)
  const indent = ' '.repeat(HELP_COLUMN)
  const head = `  ${usage}`
  if (head.length + 1 >= HELP_COLUMN) return [head, ...lines.map((text) => indent + text)].join('\n')
  return [head.padEnd(HELP_COLUMN) + lines[0], ...lines.slice(1).map((text) => indent + text)].join('\n')
}

/** The help, made when asked for. */
const usage = (): string => `Usage: isolane-mocha [mocha options] [spec..]

Runs Mocha as mocha --parallel does, on --jobs workers that each run file after file,
every file in fresh Linux namespaces: its own loopback network, /tmp, /dev/shm, IPC and
hostname, renewed in the worker before each file; what a file leaves running is stopped
after it. With --isolane-no-reuse-workers, a fresh worker process per file (fresh memory
and globals too, at the price of a Node start per file). Reads .mocharc.* and the
package.json "mocha" key exactly as mocha does; accepts mocha's options (see mocha --help),
and refuses those that mocha's --parallel mode refuses (--file, --sort, some reporters).

Isolation options, and how workers are used (also as \`isolane: { ... }\` in the Mocha config):
${isolaneFlagsHelp()}
Plugins come from a JS config (.mocharc.cjs, .mocharc.js) or the programmatic API: functions
run in each worker's fresh namespaces as root; without root, give them as modules
({ name, module: '/abs/path/plugin.js' }).

  --jobs, -j N                 workers at once (default: cores - 1, at least 1)
  --shard INDEX/COUNT          run only shard INDEX of COUNT of the spec files (1/3, 2/3
                               and 3/3 on three CI machines), split as Vitest's --shard
                               splits them: by a hash of each file's path from the working
                               directory, so each file falls in exactly one shard
  --help, -h                   this help;  --version, -V   versions
`

/** Runs the command; resolves to the exit code (or exits the process itself under `--exit`). */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage())
    return 0
  }
  try {
    if (argv.includes('--version') || argv.includes('-V')) {
      const { mochaVersion } = await import('./run.js')
      process.stdout.write(`isolane-mocha ${ownVersion} (mocha ${mochaVersion})\n`)
      return 0
    }
    const { runMocha } = await import('./run.js')
    const result = await runMocha({ argv })
    if (result.forceExit) exitAfterDrain(result.exitCode)
    return result.exitCode
  } catch (error) {
    return reportError(error, await errorMark())
  }
}

/** Mocha's own mark for errors, or the same sign where its Mocha could not be loaded. */
async function errorMark(): Promise<string> {
  try {
    return (await import('./run.js')).logSymbols.error
  } catch {
    return '✖'
  }
}

function reportError(error: unknown, mark: string): number {
  if (isIsolaneError(error)) {
    process.stderr.write(`\n${mark} isolane-mocha: ${error.message}\n`)
  } else if (isMochaError(error)) {
    // As lib/cli/cli.js fail(): Mocha's own message for options it refuses.
    process.stderr.write(`\n${mark} ERROR: ${error.message}\n`)
  } else {
    process.stderr.write(`\n${mark} ERROR: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  }
  return 1
}

function isMochaError(error: unknown): error is Error & { code: string } {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('ERR_MOCHA_')
}

/** Mocha's `--exit`: stop once output is flushed, whatever the tests left open (exitMocha). */
function exitAfterDrain(code: number): void {
  process.exitCode = code
  let pending = 2
  const done = () => {
    if (--pending === 0) process.exit(code)
  }
  process.stdout.write('', done)
  process.stderr.write('', done)
}
