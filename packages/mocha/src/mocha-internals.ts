// What isolane-mocha uses of Mocha that is not its public API, in one place: Mocha ships no
// `exports` map and no types for these, so they are loaded here, with the little typing this
// package uses, from the project's own Mocha (mocha-package.ts: a peer dependency, 10, 11 or 12).
// Checked against Mocha 10.8.2, 11.8.0 and 12.0.3 (MOCHA_CHECKED_VERSIONS, the versions
// test/mocha-versions.test.ts runs isolane-mocha with); missingMochaInternals() checks an
// installed Mocha, and test/host-seams.test.ts and test/mocha-versions.test.ts fail loudly, naming
// the version and what is missing, when one of these is gone. It relies on:
// - in the host, Mocha's modules under lib/: cli/options (loadOptions), cli/run-helpers
//   (handleRequires, validateLegacyPlugin), cli/run (Mocha 12's normalizeRunOptions,
//   validateRunOptions, prepareRunOptions; in Mocha 10 and 11 these steps are inside its yargs
//   command, and done here as Mocha 12 does them), cli/collect-files, cli/node-flags
//   (isNodeFlag, unparseNodeFlags), nodejs/parallel-buffered-runner, nodejs/buffered-worker-pool
//   (BufferedWorkerPool.serializeOptions()), nodejs/serializer (serialize, deserialize), utils
//   (logSymbols; the log-symbols package before Mocha 12);
// - the private field `Mocha#_runnerClass`: the Runner class `run()` instantiates, which
//   isolane-mocha sets to its own subclass of ParallelBufferedRunner (useRunnerClass()), and
//   that ParallelBufferedRunner#run() creates its pool with BufferedWorkerPool.create(), at once
//   (runnerWithPool()), and uses of it what BufferedPool types;
// - the serializer's formats: SerializableWorkerResult and its events (SerializedEvent);
// - in the workers: plugin-loader (PluginLoader), nodejs/esm-utils (requireOrImport),
//   nodejs/serializer (SerializableEvent) and cli/run-helpers (validateLegacyPlugin).
// Nothing is loaded when this file is imported: hostMocha() and workerMocha() load what each side uses.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { MochaPackage } from './mocha-package.js'

/** The Mocha versions this file was checked against (one of each supported major). */
export const MOCHA_CHECKED_VERSIONS = ['10.8.2', '11.8.0', '12.0.3'] as const

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
  /** Private: the Runner class `run()` instantiates (useRunnerClass()). */
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

/** A serialized event as Mocha's worker sends it (nodejs/serializer): `data` a runnable, with its id. */
export interface SerializedEvent {
  readonly eventName: string
  readonly data?: { readonly __mocha_id__?: string; readonly [key: string]: unknown }
  readonly error?: unknown
}

export interface UnmatchedFile {
  pattern: string
  absolutePath: string
}

interface RunOptionSteps {
  /** camelCase keys beside kebab-case ones, `--reporter-option`s as an object. */
  normalizeRunOptions(args: MochaArgs): void
  /** Throws Mocha's own errors for option combinations it refuses (with `parallel: true`, those of parallel mode). */
  validateRunOptions(args: MochaArgs): void
  /** Loads `--require` modules in this process: root hooks, global setup and teardown are merged into args. */
  prepareRunOptions(args: MochaArgs): Promise<MochaArgs>
}

type CollectFiles = (params: {
  allowEmpty: boolean
  ignore: string[]
  extension: string[]
  file: string[]
  recursive: boolean
  sort: boolean
  spec: string[]
}) => { files: string[]; unmatchedFiles: UnmatchedFile[] }

interface RunHelpers {
  handleRequires(requires: unknown, options?: { ignoredPlugins?: string[] }): Promise<{ rootHooks?: unknown }>
  validateLegacyPlugin(args: MochaArgs, pluginType: 'reporter' | 'ui', map?: Record<string, unknown>): void
}

/** What the host uses of Mocha. */
export interface HostMocha extends RunOptionSteps {
  readonly Mocha: MochaConstructor
  /** argv + MOCHA_OPTIONS + .mocharc.* + package.json `mocha` + Mocha's defaults, as `mocha` reads them. */
  loadOptions(argv: readonly string[]): MochaArgs
  /**
   * Mocha's file collection. With `allowEmpty`, no file is an empty list; Mocha 10 and 11 know no
   * `allowEmpty` and exit the process instead, after printing "No test files found": that exit is
   * turned back into the empty list here (the caller says it its own way).
   */
  collectFiles: CollectFiles
  isNodeFlag(flag: string, bareword?: boolean): boolean
  unparseNodeFlags(flags: Record<string, unknown>): string[]
  readonly ParallelBufferedRunner: ParallelBufferedRunnerClass
  readonly BufferedWorkerPool: BufferedWorkerPoolClass
  serialize(value: unknown): SerializedWorkerResult
  deserialize(value: SerializedWorkerResult): SerializedWorkerResult
  /** The marks Mocha prints its errors with: lib/utils.cjs in Mocha 12, the log-symbols package before. */
  readonly logSymbols: { error: string }
}

/** Loads what the host uses of the Mocha `mocha` (the project's, found when isolane-mocha starts). */
export function hostMocha(mocha: MochaPackage): HostMocha {
  const { load } = mocha
  // First, as Mocha's own command does: the order in which Mocha 12's ES modules and CommonJS ones
  // meet decides how much goes through Node's CommonJS lexer, which V8 then compiles in the
  // background (`--trace-opt`: half as often this way round; about 25 ms less CPU at the start).
  const { loadOptions } = load<Pick<HostMocha, 'loadOptions'>>('cli/options')
  const Mocha = load<MochaConstructor>('mocha')
  const helpers = load<RunHelpers>('cli/run-helpers')
  // Mocha 12 exports these steps of its run command; Mocha 10 and 11 run them inside yargs
  // (lib/cli/run.js: the options' `coerce`, `.check()` and `.middleware()`).
  const runSteps = load<Partial<RunOptionSteps>>('cli/run')
  const mochaCollectFiles = load<CollectFiles>('cli/collect-files')
  return {
    Mocha,
    loadOptions,
    normalizeRunOptions: runSteps.normalizeRunOptions ?? normalizeAsMocha12,
    validateRunOptions: runSteps.validateRunOptions ?? validateAsMocha11,
    prepareRunOptions: runSteps.prepareRunOptions ?? ((args) => prepareAsMocha11(args, Mocha, helpers)),
    collectFiles: mocha.major >= 12 ? mochaCollectFiles : (params) => collectFilesBeforeMocha12(mochaCollectFiles, params),
    ...load<Pick<HostMocha, 'isNodeFlag' | 'unparseNodeFlags'>>('cli/node-flags'),
    ParallelBufferedRunner: load<ParallelBufferedRunnerClass>('nodejs/parallel-buffered-runner'),
    BufferedWorkerPool: load<{ BufferedWorkerPool: BufferedWorkerPoolClass }>('nodejs/buffered-worker-pool').BufferedWorkerPool,
    ...load<Pick<HostMocha, 'serialize' | 'deserialize'>>('nodejs/serializer'),
    logSymbols: logSymbolsOf(mocha),
  }
}

function logSymbolsOf(mocha: MochaPackage): { error: string } {
  return mocha.load<{ logSymbols?: { error: string } }>('utils').logSymbols ?? (createRequire(join(mocha.dir, 'package.json'))('log-symbols') as { error: string })
}

/**
 * Mocha's ParallelBufferedRunner with `createPool()` where it would create its workerpool.
 * ParallelBufferedRunner#run calls BufferedWorkerPool.create() synchronously, before its first
 * await: the factory is swapped for exactly that call, and other runs are untouched.
 */
export function runnerWithPool(ParallelBufferedRunner: ParallelBufferedRunnerClass, BufferedWorkerPool: BufferedWorkerPoolClass, createPool: () => BufferedPool): ParallelBufferedRunnerClass {
  return class RunnerWithPool extends ParallelBufferedRunner {
    override run(...args: Parameters<InstanceType<ParallelBufferedRunnerClass>['run']>): unknown {
      const create = BufferedWorkerPool.create
      BufferedWorkerPool.create = createPool
      try {
        return super.run(...args)
      } finally {
        BufferedWorkerPool.create = create
      }
    }
  }
}

/** Has `mocha.run()` use `runnerClass` (Mocha's private `_runnerClass`, which parallelMode() sets to its own ParallelBufferedRunner). */
export function useRunnerClass(mocha: MochaInstance, runnerClass: ParallelBufferedRunnerClass): void {
  mocha._runnerClass = runnerClass
}

function collectFilesBeforeMocha12(mochaCollectFiles: CollectFiles, params: Parameters<CollectFiles>[0]): ReturnType<CollectFiles> {
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

/** The modules of the project's Mocha a worker uses: the one the host runs (its directory comes with each task). */
export interface WorkerMocha {
  Mocha: (new (options: Record<string, unknown>) => WorkerMochaInstance) & { interfaces: Record<string, unknown>; reporters: { Base: new (runner: WorkerRunner, options: unknown) => object } }
  PluginLoader: { create(options: { ignore: string[] }): PluginLoaderInstance }
  requireOrImport(path: string): Promise<unknown>
  SerializableEvent: { create(eventName: string, runnable: unknown, error?: unknown): { serialize(): unknown } }
  validateLegacyPlugin(options: Record<string, unknown>, type: 'ui', map: Record<string, unknown>): void
}

/** What a worker's reporter listens to: the runner of its file's Mocha instance. */
export interface WorkerRunner {
  on(event: string, listener: (runnable: unknown, error?: unknown) => void): unknown
  once(event: string, listener: (runnable: unknown, error?: unknown) => void): unknown
}

export interface PluginLoaderInstance {
  load(module: unknown): boolean
  finalize(): Promise<{ rootHooks?: unknown }>
}

export interface WorkerMochaInstance {
  addFile(file: string): WorkerMochaInstance
  loadFilesAsync(): Promise<void>
  run(callback: (result: unknown) => void): unknown
}

/** Loads what a worker uses of the Mocha `mocha`: less than the host, for a light start. */
export function workerMocha(mocha: MochaPackage): WorkerMocha {
  // First, as Mocha's own worker does: loading lib/mocha before it makes Mocha 12's ES modules go
  // through Node's CommonJS lexer more, which V8 then compiles in the background (about 10 ms of
  // CPU a worker, measured: `--trace-opt` shows the lexer optimized only this way round).
  mocha.load('errors')
  return {
    Mocha: mocha.load('mocha'),
    // Mocha 12: `export { PluginLoader }`; 10 and 11: `module.exports = PluginLoader`.
    PluginLoader: pluginLoaderOf(mocha.load('plugin-loader')),
    requireOrImport: mocha.load<Pick<WorkerMocha, 'requireOrImport'>>('nodejs/esm-utils').requireOrImport,
    SerializableEvent: mocha.load<Pick<WorkerMocha, 'SerializableEvent'>>('nodejs/serializer').SerializableEvent,
    // Loaded only for a custom interface: run-helpers also loads Mocha's watch machinery.
    validateLegacyPlugin: (...args) => mocha.load<Pick<WorkerMocha, 'validateLegacyPlugin'>>('cli/run-helpers').validateLegacyPlugin(...args),
  }
}

function pluginLoaderOf(module: { PluginLoader?: WorkerMocha['PluginLoader'] } & WorkerMocha['PluginLoader']): WorkerMocha['PluginLoader'] {
  return module.PluginLoader ?? module
}

/** Each module this file loads, with the names it uses there ('' for the module itself, a function or class). */
const RELIED_ON: ReadonlyArray<readonly [module: string, names: readonly string[], fromMajor?: number]> = [
  ['mocha', ['', 'reporters', 'interfaces']],
  ['cli/options', ['loadOptions']],
  ['cli/run-helpers', ['handleRequires', 'validateLegacyPlugin']],
  ['cli/run', ['normalizeRunOptions', 'validateRunOptions', 'prepareRunOptions'], 12],
  ['cli/collect-files', ['']],
  ['cli/node-flags', ['isNodeFlag', 'unparseNodeFlags']],
  ['nodejs/parallel-buffered-runner', ['']],
  ['nodejs/buffered-worker-pool', ['BufferedWorkerPool']],
  ['nodejs/serializer', ['serialize', 'deserialize', 'SerializableEvent']],
  ['nodejs/esm-utils', ['requireOrImport']],
  ['plugin-loader', ['']],
]

/** What this file relies on that the Mocha `mocha` lacks, one line each; empty when all is there. */
export function missingMochaInternals(mocha: MochaPackage): string[] {
  const missing: string[] = []
  for (const [module, names, fromMajor = 0] of RELIED_ON) {
    if (mocha.major < fromMajor) continue
    let exports: Record<string, unknown>
    try {
      exports = mocha.load<Record<string, unknown>>(module)
    } catch {
      missing.push(`lib/${module}`)
      continue
    }
    for (const name of names) if ((name === '' ? exports : exports?.[name]) == null) missing.push(name === '' ? `lib/${module}: its export` : `lib/${module}: ${name}`)
  }
  const loads = (module: string): boolean => !missing.includes(`lib/${module}`)
  if (loads('nodejs/buffered-worker-pool') && typeof mocha.load<{ BufferedWorkerPool?: Partial<BufferedWorkerPoolClass> }>('nodejs/buffered-worker-pool').BufferedWorkerPool?.serializeOptions !== 'function')
    missing.push('lib/nodejs/buffered-worker-pool: BufferedWorkerPool.serializeOptions()')
  if (loads('plugin-loader') && typeof pluginLoaderOf(mocha.load('plugin-loader'))?.create !== 'function') missing.push('lib/plugin-loader: PluginLoader.create()')
  try {
    if (typeof logSymbolsOf(mocha).error !== 'string') throw new Error('no error mark')
  } catch {
    missing.push(mocha.major >= 12 ? 'lib/utils: logSymbols' : 'the log-symbols package beside it')
  }
  try {
    const Mocha = mocha.load<new (options: object) => { _runnerClass?: unknown }>('mocha')
    if (typeof new Mocha({})._runnerClass !== 'function' || !sourceOf(mocha, 'mocha')?.includes('new this._runnerClass(')) missing.push('Mocha#_runnerClass (the Runner class run() instantiates)')
  } catch {
    missing.push('new Mocha()')
  }
  if (!sourceOf(mocha, 'nodejs/parallel-buffered-runner')?.includes('BufferedWorkerPool.create(')) missing.push('lib/nodejs/parallel-buffered-runner: its run() creating the pool with BufferedWorkerPool.create()')
  return missing
}

/** The source text of one of Mocha's modules under lib/ (Mocha 12's .cjs, or .js). */
function sourceOf(mocha: MochaPackage, module: string): string | undefined {
  for (const extension of ['.cjs', '.js']) {
    try {
      return readFileSync(join(mocha.dir, 'lib', `${module}${extension}`), 'utf8')
    } catch {}
  }
  return undefined
}

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
async function prepareAsMocha11(args: MochaArgs, Mocha: MochaConstructor, { handleRequires, validateLegacyPlugin }: RunHelpers): Promise<MochaArgs> {
  const plugins = await handleRequires(args.require)
  validateLegacyPlugin(args, 'reporter', Mocha.reporters)
  validateLegacyPlugin(args, 'ui', Mocha.interfaces)
  return Object.assign(args, plugins)
}
