// The `isolane-mocha` command: `mocha`'s command line, with every spec file in a fresh isolated
// worker (or isolated workers reused across files, with --isolane-reuse-workers). Errors are printed the way `mocha` prints them, and the exit code follows its rules.
// The project's Mocha is loaded once the help is out of the way: where there is none, or none that
// isolane-mocha supports, that is said as any other error.
import { createRequire } from 'node:module'
import { isIsolaneError } from '@isolane/core/internal'

const require = createRequire(import.meta.url)
const ownVersion = (require('../package.json') as { version: string }).version

const USAGE = `Usage: isolane-mocha [mocha options] [spec..]

Runs Mocha as mocha --parallel does, on --jobs workers that each run file after file,
every file in fresh Linux namespaces: its own loopback network, /tmp, /dev/shm, IPC and
hostname, renewed in the worker before each file; what a file leaves running is stopped
after it. With --isolane-no-reuse-workers, a fresh worker process per file (fresh memory
and globals too, at the price of a Node start per file). Reads .mocharc.* and the
package.json "mocha" key exactly as mocha does; accepts mocha's options (see mocha --help),
and refuses those that mocha's --parallel mode refuses (--file, --sort, some reporters).

Isolation options (also as \`isolane: { ... }\` in the Mocha config):
  --isolane-namespaces LIST    kinds of fresh namespaces, comma-separated, or "none"
                               (default: net,mnt,ipc,uts; also pid, cgroup)
  --isolane-hostname NAME      hostname in each worker; {workerId} and {pid} are replaced
  --isolane-tmpfs LIST         directories that get a fresh tmpfs (default: /tmp,/dev/shm)
  --isolane-no-loopback        leave lo down in the fresh network namespace
  --isolane-mqueue[=false]     a fresh /dev/mqueue (default: with ipc and mnt)
  --isolane-no-reuse-workers   a fresh worker process per file, for files that also need
                               fresh memory, globals and modules (default: --jobs workers
                               reused, their namespaces renewed before each file)
  --isolane-leftovers MODE     processes a file leaves running: stop (default, with a
                               warning naming the file), fail (the file fails too), keep
  --isolane-file-timeout MS    a hard limit for each spec file: past it, its worker is killed
                               and the file fails, timed out, naming the test that ran
                               (default: none; Mocha's --timeout cannot stop a busy loop)
  --isolane-keep on-failure    keep the namespaces of a worker whose file failed (its
                               network, /tmp, hostname) for isolane enter NAME; each
                               file then gets a fresh worker (see: isolane ls, isolane rm)
  --isolane-no-report-network-attempts
                               leave out what a test that tried to reach the network
                               outside its worker is told (default: on its error, and
                               listed at the end of the run)
  --isolane-way WAY            how the namespaces are made: auto (default: privileged where
                               the process may, else a user namespace of each worker's own,
                               for any user), privileged, or user-namespace
  --isolane-fallback none      where no way works (not Linux, user namespaces off), run the
                               files without isolation, saying so once (default: refuse)
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
    process.stdout.write(USAGE)
    return 0
  }
  try {
    if (argv.includes('--version') || argv.includes('-V')) {
      const { mochaVersion } = await import('./project-mocha.js')
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
    return (await import('./project-mocha.js')).logSymbols.error
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
