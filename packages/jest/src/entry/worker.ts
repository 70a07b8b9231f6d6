// Runs in a pool worker (a process in fresh namespaces, renewed before each file when reused):
// one test file per task, run by the project's own Jest. What Jest's worker (jest-runner's
// testWorker.js) does, with jest-runner's public TestRunner run in band in this process: the same
// runTest, so environments, setup files, snapshots, coverage, testTimeout and the console are
// Jest's own. The resolvers are built as testWorker.js `setup` builds them, once per project a
// worker sees. Test case events go to the host as they happen (reportProgress): the host hands
// them to Jest's reporters, and knows the test that was running if the worker dies.
import { createRequire } from 'node:module'
import { hostname } from 'node:os'
import { reportNetworkAttempts, reportProgress } from '@isolane/pool/worker'
import { loadJestForWorker, type GlobalConfig, type ProjectConfig, type SerializableError, type TestResult, type WorkerJest } from '../jest-internals.js'

// core's worker part is one CommonJS file: required, as an import would have Node's CommonJS
// lexer read all of it for its names (tens of ms of CPU in a worker's start, most of it compiling the lexer).
type NetworkAttempt = import('@isolane/core/worker').NetworkAttempt
const { holdNamespaces, IsolaneError } = createRequire(import.meta.url)('@isolane/core/worker') as typeof import('@isolane/core/worker')

/** The task the host sends for one test file. */
export interface TestFileTask {
  readonly path: string
  readonly config: ProjectConfig
  readonly globalConfig: GlobalConfig
  /** Jest's context of the run, its sets as arrays (as Jest sends them to its workers). */
  readonly context: { readonly changedFiles?: string[]; readonly sourcesRelatedToTestsInChangedFiles?: string[] }
  /**
   * The project's module map, serialized (`moduleMap.toJSON()`): the worker builds the project's
   * resolver from it once. It can be large (every module of the project), so a reused worker gets
   * it only when it asks, by answering a task without it with `{ needsModuleMap: true }`.
   */
  readonly moduleMap?: unknown
  /** jest-runner's main module, of the Jest that runs the host. */
  readonly jestRunner: string
  /** Set when the worker has a network namespace of its own and attempts outside it are reported: how to allow one. */
  readonly networkHowToAllow?: string | undefined
  /** Keep this worker's namespaces if the file fails (`keep: 'on-failure'`; the worker then serves no other file). */
  readonly keep?: boolean
}

/**
 * What the worker tells the host while a file runs: that it began (which arms its time limit), each
 * test case's start and result (for Jest's reporters, and the test running if the worker dies),
 * and each attempt to reach outside the worker's network.
 */
export type FileProgress =
  | { readonly path: string; readonly began: true }
  | { readonly path: string; readonly event: 'test-case-start' | 'test-case-result'; readonly payload: unknown }
  | { readonly path: string; readonly attempt: NetworkAttempt; readonly test: string | undefined }

/** The file's result or why it could not run; and when it failed and its namespaces are kept, the process that holds them. */
export type FileDone = ({ readonly result: TestResult } | { readonly error: SerializableError }) & { readonly kept?: KeptNamespaces }

/**
 * What the worker answers a task with: the file done, or, for a task without the module map of a
 * project this worker has not seen, that it needs it (the file did not run; the host sends it again with the map).
 */
export type FileOutcome = FileDone | { readonly needsModuleMap: true }

export interface KeptNamespaces {
  readonly holder: number
  readonly hostname: string
  readonly workerId: number | undefined
}

// Jest numbers its workers from 1 in JEST_WORKER_ID, one number a slot, kept by the worker that
// replaces another: tinypool's slots are numbered so (TINYPOOL_WORKER_ID).
if (process.env.TINYPOOL_WORKER_ID !== undefined) process.env.JEST_WORKER_ID = process.env.TINYPOOL_WORKER_ID

/** Jest's modules, from the jest-runner the host named, loaded once. */
let jest: WorkerJest | undefined
/** The resolver of each project (config.id) this worker has run a file of. */
const resolvers = new Map<string, Promise<unknown>>()

function loadJest(jestRunner: string): WorkerJest {
  return (jest ??= loadJestForWorker(jestRunner))
}

/** The file and test running now in this worker: what a network attempt is reported with. */
const running: { path: string | undefined; test: string | undefined } = { path: undefined, test: undefined }

export default async function runTestFile(task: TestFileTask): Promise<FileOutcome> {
  const { runner, createResolver } = loadJest(task.jestRunner)
  const { path, config, globalConfig } = task
  if (!resolvers.has(config.id) && task.moduleMap === undefined) return { needsModuleMap: true }
  if (task.networkHowToAllow !== undefined) reportNetworkAttempts(task.networkHowToAllow, (attempt) => (running.path === undefined ? undefined : ({ path: running.path, attempt, test: running.test } satisfies FileProgress)))
  running.path = path
  running.test = undefined
  let resolver = resolvers.get(config.id)
  if (!resolver) {
    resolver = createResolver(config, task.moduleMap)
    resolvers.set(config.id, resolver)
    resolver.catch(() => resolvers.delete(config.id))
  }
  const test = { path, context: { config, resolver: await resolver } }
  const context = {
    changedFiles: task.context.changedFiles && new Set(task.context.changedFiles),
    sourcesRelatedToTestsInChangedFiles: task.context.sourcesRelatedToTestsInChangedFiles && new Set(task.context.sourcesRelatedToTestsInChangedFiles),
  }
  const inBand = new runner.default(globalConfig, context)
  let outcome: FileDone | undefined
  inBand.on('test-file-success', ([, result]) => void (outcome = { result: result as TestResult }))
  inBand.on('test-file-failure', ([, error]) => void (outcome = { error: serializableError(error) }))
  for (const event of ['test-case-start', 'test-case-result'] as const) {
    inBand.on(event, ([, payload]) => {
      running.test = event === 'test-case-start' ? (payload as { fullName?: string }).fullName : undefined
      const progress: FileProgress = { path, event, payload }
      reportProgress(progress)
    })
  }
  const began: FileProgress = { path, began: true }
  reportProgress(began)
  // The in-band run says it is worker 1 (JEST_WORKER_ID), synchronously as it starts: this
  // worker's own number is put back before any of the file's code runs.
  const jestWorkerId = process.env.JEST_WORKER_ID
  const done = inBand.runTests([test], { isInterrupted: () => false }, { serial: true })
  process.env.JEST_WORKER_ID = jestWorkerId
  await done
  if (!outcome) throw new IsolaneError('ISOLANE_INTERNAL', `@isolane/jest: Jest's runner ended without a result for ${path}. This is a bug in isolane: please report it with your Jest version.`)
  if (!task.keep || !failed(outcome)) return outcome
  // Kept from here: the holder stays when this worker ends, and is no leftover of the file.
  const workerId = Number(process.env.ISOLANE_WORKER_ID)
  return { ...outcome, kept: { holder: holdNamespaces(), hostname: hostname(), workerId: Number.isInteger(workerId) ? workerId : undefined } }
}

/** As Jest counts a failed file: one that could not run, or with a failed test or a run error. */
function failed(outcome: FileDone): boolean {
  if ('error' in outcome) return true
  const { numFailingTests, testExecError } = outcome.result as { numFailingTests?: number; testExecError?: unknown }
  return (numFailingTests ?? 0) > 0 || testExecError !== undefined
}

/** As testWorker.js formatError: what Jest's scheduler expects of a file that failed to run. */
function serializableError(error: unknown): SerializableError {
  if (typeof error === 'object' && error !== null) {
    const { message, stack, code } = error as { message?: unknown; stack?: unknown; code?: unknown }
    return { code: code ?? undefined, message: String(message ?? error), stack: typeof stack === 'string' ? stack : undefined, type: 'Error' }
  }
  return { message: String(error), stack: undefined, type: 'Error' }
}
