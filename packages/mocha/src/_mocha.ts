// Mocha's own machinery, from its private modules: option loading, validation, plugin loading, the
// parallel runner, its worker-pool options serializer and the event serializer. Mocha ships no
// `exports` map and no types for these, so they are loaded here, in one place, with the little
// typing this package uses, from the project's own Mocha (mocha-package.ts: a peer dependency,
// 10, 11 or 12). These are not public API: test/mocha-versions.test.ts runs isolane-mocha against
// each of those majors. Where Mocha 10 and 11 keep a step inside their yargs command (the run
// options' normalization and checks), it is done here as Mocha 12 does it.
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { findMocha } from './mocha-package.js'

/** The project's Mocha, found from the working directory when isolane-mocha starts. */
export const mochaPackage = findMocha(process.cwd())
const load = mochaPackage.load

/** Mocha's parsed options: kebab-case and camelCase keys, positionals in `_`. */
export type MochaArgs = Record<string, unknown> & { _: string[]; spec?: string[] }

export interface MochaStats {
  suites: number
  tests: number
  passes: number
  pending: number
  failures: number
  start?: Date
  end?: Date
  duration?: number
}

export interface MochaRunner {
  stats: MochaStats
  failures: number
}

export interface MochaInstance {
  files: string[]
  options: MochaArgs
  parallelMode(enable?: boolean): MochaInstance
  run(callback: (failures: number) => void): MochaRunner
  addFile(file: string): MochaInstance
  loadFilesAsync(): Promise<void>
  /** Private: the Runner class `run()` instantiates. */
  _runnerClass: unknown
}

export interface MochaConstructor {
  new (options: MochaArgs): MochaInstance
  interfaces: Record<string, unknown>
  reporters: Record<string, unknown>
}

/** A Mocha Runner class as `Mocha#run` instantiates it (`lib/nodejs/parallel-buffered-runner.cjs`). */
export interface ParallelBufferedRunnerClass {
  new (...args: unknown[]): MochaRunner & {
    run(callback: (failures: number) => void, options?: { files: string[]; options: MochaArgs }): unknown
  }
}

/** The shape `ParallelBufferedRunner` expects of `BufferedWorkerPool.create()`'s result. */
export interface BufferedPool {
  run(file: string, options: MochaArgs): Promise<SerializedWorkerResult>
  terminate(force?: boolean): Promise<void>
  stats(): { totalWorkers: number; busyWorkers: number; idleWorkers: number; pendingTasks: number }
}

export interface BufferedWorkerPoolClass {
  create(options: { maxWorkers?: number }): BufferedPool
  serializeOptions(options: MochaArgs): string
}

/** What the `parallel-buffered` reporter hands back from a worker: plain, JSON-safe data. */
export interface SerializedWorkerResult {
  readonly __type: 'SerializableWorkerResult'
  readonly failureCount: number
  readonly events: unknown[]
}

export interface UnmatchedFile {
  pattern: string
  absolutePath: string
}

export const Mocha = load<MochaConstructor>('mocha')

export const { loadOptions } = load<{
  /** argv + MOCHA_OPTIONS + .mocharc.* + package.json `mocha` + Mocha's defaults, as `mocha` reads them. */
  loadOptions(argv: readonly string[]): MochaArgs
}>('cli/options')

export const { handleRequires, validateLegacyPlugin } = load<{
  handleRequires(requires: unknown, options?: { ignoredPlugins?: string[] }): Promise<{ rootHooks?: unknown }>
  validateLegacyPlugin(args: MochaArgs, pluginType: 'reporter' | 'ui', map?: Record<string, unknown>): void
}>('cli/run-helpers')

interface RunOptionSteps {
  /** camelCase keys beside kebab-case ones, `--reporter-option`s as an object. */
  normalizeRunOptions(args: MochaArgs): void
  /** Throws Mocha's own errors for option combinations it refuses (with `parallel: true`, those of parallel mode). */
  validateRunOptions(args: MochaArgs): void
  /** Loads `--require` modules in this process: root hooks, global setup and teardown are merged into args. */
  prepareRunOptions(args: MochaArgs): Promise<MochaArgs>
}

// Mocha 12 exports these steps of its run command; Mocha 10 and 11 run them inside yargs
// (lib/cli/run.js: the options' `coerce`, `.check()` and `.middleware()`).
const runSteps = load<Partial<RunOptionSteps>>('cli/run')
export const normalizeRunOptions = runSteps.normalizeRunOptions ?? normalizeAsMocha12
export const validateRunOptions = runSteps.validateRunOptions ?? validateAsMocha11
export const prepareRunOptions = runSteps.prepareRunOptions ?? prepareAsMocha11

type CollectFiles = (params: {
  allowEmpty: boolean
  ignore: string[]
  extension: string[]
  file: string[]
  recursive: boolean
  sort: boolean
  spec: string[]
}) => { files: string[]; unmatchedFiles: UnmatchedFile[] }

const mochaCollectFiles = load<CollectFiles>('cli/collect-files')

/**
 * Mocha's file collection. With `allowEmpty`, no file is an empty list; Mocha 10 and 11 know no
 * `allowEmpty` and exit the process instead, after printing "No test files found": that exit is
 * turned back into the empty list here (the caller says it its own way).
 */
export const collectFiles: CollectFiles = (params) => {
  if (mochaPackage.major >= 12) return mochaCollectFiles(params)
  const { exit } = process
  const { error } = console
  const NO_FILES = Symbol('no test files')
  process.exit = (() => {
    throw NO_FILES
  }) as typeof process.exit
  console.error = () => {}
  try {
    return mochaCollectFiles(params)
  } catch (thrown) {
    if (thrown === NO_FILES) return { files: [], unmatchedFiles: [] }
    throw thrown
  } finally {
    process.exit = exit
    console.error = error
  }
}

export const { isNodeFlag, unparseNodeFlags } = load<{
  isNodeFlag(flag: string, bareword?: boolean): boolean
  unparseNodeFlags(flags: Record<string, unknown>): string[]
}>('cli/node-flags')

export const ParallelBufferedRunner = load<ParallelBufferedRunnerClass>('nodejs/parallel-buffered-runner')

export const { BufferedWorkerPool } = load<{ BufferedWorkerPool: BufferedWorkerPoolClass }>('nodejs/buffered-worker-pool')

export const { serialize, deserialize } = load<{
  serialize(value: unknown): SerializedWorkerResult
  deserialize(value: SerializedWorkerResult): SerializedWorkerResult
}>('nodejs/serializer')

/** The marks Mocha prints its errors with: lib/utils.cjs in Mocha 12, the log-symbols package before. */
export const logSymbols: { error: string } =
  load<{ logSymbols?: { error: string } }>('utils').logSymbols ?? (createRequire(join(mochaPackage.dir, 'package.json'))('log-symbols') as { error: string })

export const mochaVersion = mochaPackage.version

// Mocha 12's normalizeRunOptions (lib/cli/run.cjs); in Mocha 10 and 11, yargs' camel-case
// expansion and the `--reporter-option` coercion of lib/cli/run.js.
function normalizeAsMocha12(args: MochaArgs): void {
  for (const name of Object.keys(args)) {
    const reporterOption = /^reporter-options?\.(.+)$/.exec(name)
    if (reporterOption) args['reporter-option'] = { ...(args['reporter-option'] as object | undefined), [reporterOption[1]!]: args[name] }
    if (name.includes('-')) {
      const camel = name.replace(/-([a-z])/g, (_, char: string) => char.toUpperCase())
      if (!(camel in args)) args[camel] = args[name]
    }
  }
  const reporterOptions = args['reporter-option']
  if (Array.isArray(reporterOptions)) {
    const coerced: Record<string, string | true> = {}
    for (const option of reporterOptions.flatMap((value) => String(value).split(/ *, */))) {
      const pair = option.split('=')
      if (pair.length > 2) throw Object.assign(new Error(`invalid reporter option '${option}'`), { code: 'ERR_MOCHA_INVALID_ARG_VALUE', argument: '--reporter-option', value: option, reason: 'expected "key=value" format' })
      coerced[pair[0]!] = pair.length === 2 ? pair[1]! : true
    }
    args['reporter-option'] = coerced
  }
  if (args['reporter-option'] !== undefined) args.reporterOption = args.reporterOptions = args['reporter-option']
}

// The `.check()` of Mocha 10's and 11's run command (lib/cli/run.js), for what isolane-mocha runs:
// its messages and codes. The one-and-done options (--list-interfaces, --list-reporters) are
// Mocha's, run through its own command.
function validateAsMocha11(args: MochaArgs): void {
  const unsupported = (message: string) => Object.assign(new Error(message), { code: 'ERR_MOCHA_UNSUPPORTED' })
  if (args.invert && !('fgrep' in args || 'grep' in args)) {
    throw Object.assign(new Error('"--invert" requires one of "--fgrep <str>" or "--grep <regexp>"'), { code: 'ERR_MOCHA_MISSING_ARG_VALUE', argument: '--fgrep|--grep', expected: 'string|regexp' })
  }
  if (args.fgrep && args.grep) throw unsupported('Arguments fgrep and grep are mutually exclusive')
  if (args.parallel) {
    if (args.file) throw unsupported('--parallel runs test files in a non-deterministic order, and is mutually exclusive with --file')
    if (args.sort) throw unsupported('--parallel runs test files in a non-deterministic order, and is mutually exclusive with --sort')
    for (const reporter of ['progress', 'markdown', 'json-stream']) if (args.reporter === reporter) throw unsupported(`--reporter=${reporter} is mutually exclusive with --parallel`)
  }
}

// The `.middleware()` of Mocha 10's and 11's run command: the same steps as Mocha 12's prepareRunOptions.
async function prepareAsMocha11(args: MochaArgs): Promise<MochaArgs> {
  const plugins = await handleRequires(args.require)
  validateLegacyPlugin(args, 'reporter', Mocha.reporters)
  validateLegacyPlugin(args, 'ui', Mocha.interfaces)
  return Object.assign(args, plugins)
}
