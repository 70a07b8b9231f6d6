// Mocha's own machinery, from its private modules: option loading, validation, plugin loading, the
// parallel runner, its worker-pool options serializer and the event serializer. Mocha 12 ships no
// `exports` map and no types for these, so they are required here, in one place, with the little
// typing this package uses. The version is pinned in package.json: these are not public API.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

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

export const Mocha = require('mocha/lib/mocha.cjs') as MochaConstructor

export const { loadOptions } = require('mocha/lib/cli/options.cjs') as {
  /** argv + MOCHA_OPTIONS + .mocharc.* + package.json `mocha` + Mocha's defaults, as `mocha` reads them. */
  loadOptions(argv: readonly string[]): MochaArgs
}

export const { normalizeRunOptions, validateRunOptions, prepareRunOptions } = require('mocha/lib/cli/run.cjs') as {
  normalizeRunOptions(args: MochaArgs): void
  /** Throws Mocha's own errors for option combinations it refuses (with `parallel: true`, those of parallel mode). */
  validateRunOptions(args: MochaArgs): void
  /** Loads `--require` modules in this process: root hooks, global setup and teardown are merged into args. */
  prepareRunOptions(args: MochaArgs): Promise<MochaArgs>
}

export const { handleRequires, validateLegacyPlugin } = require('mocha/lib/cli/run-helpers.cjs') as {
  handleRequires(requires: unknown, options?: { ignoredPlugins?: string[] }): Promise<{ rootHooks?: unknown }>
  validateLegacyPlugin(args: MochaArgs, pluginType: 'reporter' | 'ui', map?: Record<string, unknown>): void
}

export const collectFiles = require('mocha/lib/cli/collect-files.cjs') as (params: {
  allowEmpty: boolean
  ignore: string[]
  extension: string[]
  file: string[]
  recursive: boolean
  sort: boolean
  spec: string[]
}) => { files: string[]; unmatchedFiles: UnmatchedFile[] }

export const { isNodeFlag, unparseNodeFlags } = require('mocha/lib/cli/node-flags.cjs') as {
  isNodeFlag(flag: string, bareword?: boolean): boolean
  unparseNodeFlags(flags: Record<string, unknown>): string[]
}

export const ParallelBufferedRunner = require('mocha/lib/nodejs/parallel-buffered-runner.cjs') as ParallelBufferedRunnerClass

export const { BufferedWorkerPool } = require('mocha/lib/nodejs/buffered-worker-pool.cjs') as { BufferedWorkerPool: BufferedWorkerPoolClass }

export const { serialize, deserialize } = require('mocha/lib/nodejs/serializer.js') as {
  serialize(value: unknown): SerializedWorkerResult
  deserialize(value: SerializedWorkerResult): SerializedWorkerResult
}

export const mochaVersion = (require('mocha/package.json') as { version: string }).version
