// The programmatic API: a Mocha run with every spec file in a fresh isolated worker. The command
// line (cli.ts) is this plus Mocha's way of printing errors and exiting.
import { createPlan, describeKept, describeNetworkAttempts, hiddenBy, type IsolationOptions, type LeftoversMode } from '@isolane/core/internal'
import { useRunnerClass } from './mocha-internals.js'
import { Mocha, collectFiles, normalizeRunOptions, prepareRunOptions, validateRunOptions, type MochaArgs, type MochaStats } from './project-mocha.js'
import { NETWORK_HOW_TO_ALLOW, noTestFiles, specFileHidden, unmatchedPatterns, watchUnsupported } from './errors.js'
import { loadRunSettings } from './options.js'
import { selectShard } from './shard.js'
import { createSpecFilePool, isolaneRunnerClass } from './runner.js'

// For the command line (cli.ts), which loads the host's modules through this one only (the build
// makes it one bundled module): the project's Mocha's version, and its mark for errors.
export { logSymbols, mochaVersion } from './project-mocha.js'

export interface RunMochaOptions {
  /**
   * Arguments as on the `isolane-mocha` command line: Mocha's options and spec files, and
   * `--isolane-*` flags. Config files are read as `mocha` reads them, from `process.cwd()`.
   */
  argv?: readonly string[]
  /** Isolation options (plugins included); they win over `--isolane-*` flags and the config's `isolane` key. */
  isolation?: IsolationOptions
  /** Environment of the workers. Default: this process's when each worker is forked (after Mocha's global setup). */
  env?: Record<string, string | undefined>
  /**
   * Run several spec files in each worker, one after another, as `mocha --parallel` does: at most
   * `--jobs` workers, each in fresh namespaces of its own, renewed before every file (fresh net,
   * uts, ipc, /tmp, /dev/shm). Wins over `--isolane-reuse-workers` and the config's
   * `isolane.reuseWorkers`. Default true; false: a fresh worker process per file.
   */
  reuseWorkers?: boolean
  /** What a spec file leaves running: 'stop' (default, with a warning naming the file), 'fail', 'keep'. */
  leftovers?: LeftoversMode
  /** Milliseconds a spec file may run before its worker is killed and the file fails, timed out (default 0: no limit). */
  fileTimeout?: number
  /** Default true: tests' failed attempts to reach outside their worker's network are said on their errors and listed at the end (on stderr). */
  reportNetworkAttempts?: boolean
  /** 'on-failure': keep the namespaces of a worker whose file failed, for `isolane enter` (each file then gets a fresh worker). */
  keep?: 'never' | 'on-failure'
  /** `'<index>/<count>'`: run only this shard of the spec files, as `--shard` (wins over it). */
  shard?: string
}

export interface RunMochaResult {
  /** Failures as Mocha counts them (a crashed worker's file counts one). */
  failures: number
  /** The exit code `mocha` would give: failures capped at 255, or 0/1 under the exit-code options. */
  exitCode: number
  stats: MochaStats
  /** The spec files run (only the shard's, with `--shard`), in the order Mocha collected them. */
  files: string[]
  /** Whether Mocha's `--exit` was given: the CLI then exits without waiting for open handles. */
  forceExit: boolean
}

/**
 * Runs Mocha as `mocha --parallel` would, reporters included, with isolane's pool in place of
 * Mocha's: each spec file in a fresh worker in fresh namespaces (or, with `reuseWorkers`, at most
 * `--jobs` workers in fresh namespaces each, that run file after file). Throws Mocha's errors for
 * options it refuses, and isolane's for bad isolation options, before any worker starts.
 */
export async function runMocha(options: RunMochaOptions = {}): Promise<RunMochaResult> {
  const { args, isolation, jobs, workerExecArgv, reuseWorkers, leftovers, fileTimeout, reportNetworkAttempts, keep, shard } = loadRunSettings(options.argv ?? [], options.isolation, {
    reuseWorkers: options.reuseWorkers,
    leftovers: options.leftovers,
    fileTimeout: options.fileTimeout,
    reportNetworkAttempts: options.reportNetworkAttempts,
    keep: options.keep,
    shard: options.shard,
  })
  if (args.watch) throw watchUnsupported()

  // As lib/cli/cli.js runCommand, with parallel mode on: Mocha refuses what it refuses there.
  args.spec = args.spec ?? (args._.length > 0 ? args._ : ['test'])
  args.parallel = true
  normalizeRunOptions(args)
  validateRunOptions(args)
  await prepareRunOptions(args)

  const all = collectSpecFiles(args)
  // Mocha resolves spec patterns from the working directory: it is the root the shards are split from, as Vitest's root is.
  const files = shard === undefined ? all : selectShard(all, shard, process.cwd())
  checkVisibleToWorkers(files, isolation)
  const env = options.env === undefined ? undefined : workerEnv(options.env)
  const filePool = createSpecFilePool({ jobs, reuseWorkers, leftovers, isolation, env, execArgv: workerExecArgv, fileTimeout, reportNetworkAttempts, keep: keep === 'on-failure' })
  try {
    const mocha = new Mocha(args)
    mocha.parallelMode(true)
    useRunnerClass(mocha, isolaneRunnerClass(filePool, reuseWorkers))
    mocha.files = files
    const { failures, stats } = await new Promise<{ failures: number; stats: MochaStats }>((resolve) => {
      const runner = mocha.run((failures) => resolve({ failures, stats: runner.stats }))
    })
    const attempts = filePool.progress.networkAttempts
    if (attempts.length > 0) process.stderr.write(describeNetworkAttempts(attempts, { tool: 'isolane-mocha', root: process.cwd(), howToAllow: NETWORK_HOW_TO_ALLOW, optOut: '--isolane-no-report-network-attempts' }))
    if (filePool.kept.length > 0) process.stderr.write(describeKept(filePool.kept, 'isolane-mocha'))
    return { failures, exitCode: exitCodeOf(failures, args), stats, files, forceExit: args.exit === true }
  } finally {
    // Mocha has terminated it already, unless a global setup failed before any file ran.
    await filePool.pool.destroy()
  }
}

function collectSpecFiles(args: MochaArgs): string[] {
  const spec = (args.spec ?? []).map(String)
  // Mocha exits the process itself when nothing matches; allowEmpty makes it return instead, after
  // a console.warn() of "No test files found" that this error says again: its warnings are held
  // until it is known whether there are files.
  const warnings: unknown[][] = []
  const warn = console.warn
  console.warn = (...message: unknown[]) => void warnings.push(message)
  let collected: ReturnType<typeof collectFiles>
  try {
    collected = collectFiles({
      allowEmpty: true,
      ignore: listOf(args.ignore),
      extension: listOf(args.extension),
      file: listOf(args.file),
      recursive: args.recursive === true,
      sort: args.sort === true,
      spec,
    })
  } finally {
    console.warn = warn
  }
  const { files, unmatchedFiles } = collected
  if (files.length === 0) throw noTestFiles(spec)
  for (const message of warnings) console.warn(...message)
  if (unmatchedFiles.length > 0) throw unmatchedPatterns(unmatchedFiles)
  return files
}

/**
 * A spec file under a directory that gets a fresh tmpfs (/tmp by default) is hidden from the
 * workers unless a bind shows it again: refused here rather than failing in every worker.
 */
function checkVisibleToWorkers(files: readonly string[], isolation: IsolationOptions): void {
  const plan = createPlan(isolation, { workerId: 1 })
  for (const file of files) {
    const mount = hiddenBy(plan, file)
    if (mount !== undefined) throw specFileHidden(file, mount)
  }
}

/** Mocha's exit code rules (lib/cli/run-helpers.cjs createExitHandler, exitMocha). */
export function exitCodeOf(failures: number, args: Record<string, unknown>): number {
  const code = args['pass-on-failing-test-suite'] === true || args.passOnFailingTestSuite === true ? 0 : Math.min(failures, 255)
  return Math.min(code, args['posix-exit-codes'] === true ? 1 : 255)
}

function listOf(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]
}

function workerEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value
  return out
}
