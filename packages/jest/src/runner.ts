// Host side: the runner Jest's scheduler loads (`runner: '@isolane/jest'`) and calls in its own
// process. It runs each test file on an @isolane/pool worker in fresh namespaces (./entry/worker.js):
// at most --maxWorkers workers, reused across files and renewed before each (fresh net, uts, ipc,
// /tmp, /dev/shm), as Jest's own workers are reused. Global setup and teardown, --shard, --bail,
// watch mode, reporters and snapshot summaries stay with jest-core around the runner.
import { mkdirSync, readFileSync } from 'node:fs'
import { basename, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chooseWay, createPlan, describeKept, describeNetworkAttempts, hiddenBy, internalError, isIsolaneError, KEPT_KINDS, mergeFileOptions, recordKept, type BindMount, type IsolationOptions, type IsolationPlan, type KeptWorker, type NamespaceKind, type TestNetworkAttempt } from '@isolane/core/internal'
import { createPool, describeLeftovers, type IsolatedPool, type ProgressReport, type WorkerExitedError } from '@isolane/pool'
import { jestDocblock, jestRunnerPath, type GlobalConfig, type SerializableError, type Test, type TestEvents, type TestRunnerContext, type TestWatcher } from './jest-internals.js'
import type { FileDone, FileOutcome, FileProgress, KeptNamespaces, TestFileTask } from './entry/worker.js'
import { cannotIsolate, deadWorkerMessage, fileHidden, invalidFileOptions, jestRunnerNotFound, NETWORK_HOW_TO_ALLOW, NETWORK_OPT_OUT, retriedNote, setupFailedMessage, type WorkerDeath } from './errors.js'
import { resolveRunnerOptions, type RunnerSettings } from './options.js'

const WORKER_ENTRY = fileURLToPath(new URL('./entry/worker.js', import.meta.url))

/** The docblock pragma a test file chooses its own isolation with: `@isolane-options {"hostname": "api"}`. */
export const FILE_OPTIONS_PRAGMA = 'isolane-options'

type Listener<Name extends keyof TestEvents> = (eventData: TestEvents[Name]) => void | Promise<void>
type Emit = <Name extends keyof TestEvents>(eventName: Name, eventData: TestEvents[Name]) => Promise<void>

/**
 * Jest's custom runner (an emitting runner: `supportsEventEmitters`, `runTests`, `on`). Jest makes
 * one a run, with the runner's options from its config: they and the machine are checked here,
 * before any worker starts.
 */
export default class IsolaneJestRunner {
  readonly supportsEventEmitters = true
  readonly isSerial = false
  readonly #globalConfig: GlobalConfig
  readonly #context: TestRunnerContext
  readonly #settings: RunnerSettings
  /** The plan of the runner's own options (worker 1's): what files are checked against. */
  readonly #plan: IsolationPlan
  readonly #jestRunner: string
  /** How the workers' namespaces are made here: what a kept worker's record says. */
  readonly #way: 'privileged' | 'user-namespace'
  readonly #listeners = new Map<keyof TestEvents, Set<(data: never) => void | Promise<void>>>()

  constructor(globalConfig: GlobalConfig, context: TestRunnerContext = {}, options?: Record<string, unknown>) {
    this.#globalConfig = globalConfig
    this.#context = context
    this.#settings = resolveRunnerOptions(options)
    this.#plan = createPlan(this.#settings.isolation, { workerId: 1 })
    const verdict = chooseWay(this.#plan)
    if (!verdict.ok) throw cannotIsolate(this.#plan.kinds, verdict.error)
    this.#way = verdict.way === 'user-namespace' ? 'user-namespace' : 'privileged'
    const jestRunner = jestRunnerPath(globalConfig.rootDir)
    if (jestRunner === undefined) throw jestRunnerNotFound(globalConfig.rootDir)
    this.#jestRunner = jestRunner
  }

  on<Name extends keyof TestEvents>(eventName: Name, listener: Listener<Name>): () => void {
    let listeners = this.#listeners.get(eventName)
    if (!listeners) this.#listeners.set(eventName, (listeners = new Set()))
    listeners.add(listener as (data: never) => void)
    return () => void listeners.delete(listener as (data: never) => void)
  }

  async #emit<Name extends keyof TestEvents>(eventName: Name, eventData: TestEvents[Name]): Promise<void> {
    for (const listener of this.#listeners.get(eventName) ?? []) await (listener as Listener<Name>)(eventData)
  }

  async runTests(tests: Test[], watcher: TestWatcher, options: { serial: boolean }): Promise<void> {
    // Jest runs "in band" (-i, one worker, or a few fast files): here that is one isolated worker.
    const workers = options.serial ? 1 : Math.max(1, this.#globalConfig.maxWorkers)
    // Every file's options are read and checked before any worker starts.
    const planned = tests.map((test) => ({ test, isolation: this.#isolationOf(test) }))
    const run = new TestFileRun(this.#settings, workers, this.#way, (eventName, eventData) => this.#emit(eventName, eventData))
    const interrupted = new Promise<never>((_resolve, reject) => {
      watcher.on('change', (state) => {
        if (state.interrupted) reject(new CancelRun())
      })
    })
    interrupted.catch(() => undefined)
    const slots = new Slots(workers)
    const all = Promise.all(
      planned.map(({ test, isolation }) =>
        slots.take(async () => {
          if (watcher.isInterrupted()) throw new CancelRun()
          await this.#emit('test-file-start', [test])
          return run.runFile(test, isolation, this.#task(test, isolation))
        }).then(
          (outcome) => ('result' in outcome ? this.#emit('test-file-success', [test, outcome.result]) : this.#emit('test-file-failure', [test, outcome.error])),
          (error: unknown) => (error instanceof CancelRun ? undefined : this.#emit('test-file-failure', [test, asSerializable(error)])),
        ),
      ),
    )
    try {
      await Promise.race([all, interrupted])
    } finally {
      await run.destroy()
    }
    if (run.kept.length > 0) process.stderr.write(describeKept(run.kept, '@isolane/jest'))
    const attempts = run.networkAttempts
    if (attempts.length > 0) process.stderr.write(describeNetworkAttempts(attempts, { tool: '@isolane/jest', root: process.cwd(), howToAllow: NETWORK_HOW_TO_ALLOW, optOut: NETWORK_OPT_OUT }))
  }

  /** The isolation of `test`'s workers: the runner's, the file's docblock choices applied, Jest's cache shown. */
  #isolationOf(test: Test): FileIsolation {
    const hidden = hiddenBy(this.#plan, test.path)
    if (hidden !== undefined) throw fileHidden(test.path, hidden)
    let isolation = this.#settings.isolation
    let plan = this.#plan
    const pragma = fileOptionsPragma(this.#jestRunner, test.path)
    if (pragma !== undefined) {
      try {
        isolation = mergeFileOptions(isolation, JSON.parse(pragma))
        plan = createPlan(isolation, { workerId: 1 })
      } catch (error) {
        throw invalidFileOptions(relative(process.cwd(), test.path), error)
      }
    }
    return { options: withCacheShown(isolation, plan, test.context.config.cacheDirectory), own: pragma !== undefined, kinds: plan.kinds }
  }

  #task(test: Test, isolation: FileIsolation): TestFileTask {
    const { changedFiles, sourcesRelatedToTestsInChangedFiles } = this.#context
    return {
      path: test.path,
      config: test.context.config,
      globalConfig: this.#globalConfig,
      context: { changedFiles: changedFiles && [...changedFiles], sourcesRelatedToTestsInChangedFiles: sourcesRelatedToTestsInChangedFiles && [...sourcesRelatedToTestsInChangedFiles] },
      jestRunner: this.#jestRunner,
      networkHowToAllow: this.#settings.reportNetworkAttempts && isolation.kinds.includes('net') ? NETWORK_HOW_TO_ALLOW : undefined,
      keep: this.#settings.keep,
    }
  }
}

/** The JSON of a file's `@isolane-options` docblock pragma, read with Jest's own docblock parser. */
function fileOptionsPragma(jestRunner: string, path: string): string | undefined {
  const source = readFileSync(path, 'utf8')
  if (!source.includes(`@${FILE_OPTIONS_PRAGMA}`)) return undefined
  const docblock = jestDocblock(jestRunner)
  const value = docblock.parse(docblock.extract(source))[FILE_OPTIONS_PRAGMA]
  return Array.isArray(value) ? value.join(' ') : value
}

/**
 * Jest's cache (transformed modules, written by the workers) is under /tmp by default, which each
 * worker gets fresh and empty: shown again by a bind, so that the workers share it as Jest's do.
 */
function withCacheShown(isolation: IsolationOptions, plan: IsolationPlan, cacheDirectory: string): IsolationOptions {
  if (hiddenBy(plan, cacheDirectory) === undefined) return isolation
  mkdirSync(cacheDirectory, { recursive: true })
  const bind: BindMount = { source: cacheDirectory, target: cacheDirectory }
  return { ...isolation, binds: [...(isolation.binds ?? []), bind] }
}

/** The isolation of a file's worker, and whether the file chose it (a docblock pragma). */
interface FileIsolation {
  readonly options: IsolationOptions
  readonly own: boolean
  /** The kinds of namespaces its worker gets. */
  readonly kinds: readonly NamespaceKind[]
}

/** A run's pools: the runner's (reused workers, renewed per file), and one a docblock's own options. */
class TestFileRun {
  readonly #settings: RunnerSettings
  readonly #workers: number
  readonly #emit: Emit
  readonly #pools = new Map<string, IsolatedPool>()
  /** Per file: the test that is running, as the worker said, and whether its time limit killed its worker. */
  readonly #running = new Map<string, { test: string | undefined; limit: NodeJS.Timeout | undefined; timedOut: boolean }>()
  readonly #attempts: TestNetworkAttempt[] = []
  readonly #way: 'privileged' | 'user-namespace'
  /** The workers kept so far (`keep: 'on-failure'`). */
  readonly kept: KeptWorker[] = []

  constructor(settings: RunnerSettings, workers: number, way: 'privileged' | 'user-namespace', emit: Emit) {
    this.#settings = settings
    this.#workers = workers
    this.#way = way
    this.#emit = emit
    process.on('exit', this.#killWorkers)
  }

  /**
   * Jest ends its process at once on --bail (and a reporter or a global teardown may call
   * process.exit()): the workers, and the files they still run, end with it, not after it.
   */
  readonly #killWorkers = (): void => {
    for (const pool of this.#pools.values()) {
      for (const { pid } of pool.workers) {
        try {
          if (pid !== undefined) process.kill(pid, 'SIGKILL')
        } catch {
          // Gone already.
        }
      }
    }
  }

  /**
   * The file's outcome. As Jest's own workers (jest-worker), a file whose worker exits with an error
   * status runs again in a new worker, up to JEST_RETRIES times; a worker killed by a signal, or by
   * the file's time limit, is not tried again.
   */
  async runFile(test: Test, isolation: FileIsolation, task: TestFileTask): Promise<FileDone> {
    for (let attempt = 1; ; attempt++) {
      const done = await this.#runOnce(test, isolation, task)
      if (!('death' in done)) return done
      const { death, running } = done
      const again = death.kind === 'exit' && death.code !== 0 && !KILLED_STATUSES.has(death.code)
      if (again && attempt <= JEST_RETRIES) continue
      return failure(deadWorkerMessage(death, running) + (attempt > 1 ? ` ${retriedNote(attempt, JEST_RETRIES)}` : ''))
    }
  }

  async #runOnce(test: Test, isolation: FileIsolation, task: TestFileTask): Promise<FileDone | { death: WorkerDeath; running: string | undefined }> {
    // The runner's own options serve most files, in reused workers; a file with options of its
    // own in its docblock gets a fresh worker of its own (its namespaces differ from the others').
    const reuse = this.#settings.reuseWorkers && !isolation.own
    const pool = this.#poolFor(isolation.options, reuse)
    this.#running.set(test.path, { test: undefined, limit: undefined, timedOut: false })
    try {
      // A reused worker gets the project's module map once, when it asks for it (entry/worker.ts);
      // a fresh worker per file gets it with its file.
      let outcome = await pool.run<FileOutcome>(reuse ? task : { ...task, moduleMap: test.context.moduleMap.toJSON() })
      if ('needsModuleMap' in outcome) outcome = await pool.run<FileOutcome>({ ...task, moduleMap: test.context.moduleMap.toJSON() })
      if ('needsModuleMap' in outcome) throw internalError(`the worker for ${test.path} asked for the module map it was given`)
      if (outcome.kept) this.kept.push(this.#recordKept(test.path, isolation.kinds, outcome.kept))
      return outcome
    } catch (error) {
      const state = this.#running.get(test.path)
      if (isIsolaneError(error) && error.code === 'ISOLANE_WORKER_SETUP_FAILED') return failure(setupFailedMessage(error.cause))
      // `leftovers: 'fail'`: the pool's error names what the file left, which is stopped by then.
      if (isIsolaneError(error) && error.code === 'ISOLANE_LEFT_PROCESSES') return failure(`@isolane/jest: ${error.message}`)
      // No file waits in the pool's queue (at most as many files as workers are handed to it), so
      // the next file is simply given a new worker, in fresh namespaces.
      if (!isWorkerExit(error)) throw error
      const death: WorkerDeath = state?.timedOut
        ? { kind: 'timeout', pid: error.pid, ms: this.#settings.fileTimeout }
        : error.signal
          ? { kind: 'signal', pid: error.pid, signal: error.signal }
          : { kind: 'exit', pid: error.pid, code: error.exitCode ?? 0 }
      return { death, running: state?.test }
    } finally {
      clearTimeout(this.#running.get(test.path)?.limit)
      this.#running.delete(test.path)
    }
  }

  /** The record of a worker kept after `path` failed: named for the file and the worker. */
  #recordKept(path: string, kinds: readonly NamespaceKind[], kept: KeptNamespaces): KeptWorker {
    const stem = basename(path).replace(/\.[cm]?[jt]sx?$/, '').replace(/\.(test|spec)$/, '')
    return recordKept({ name: `${stem}-w${kept.workerId ?? 0}`, pid: kept.holder, file: relative(process.cwd(), path), kinds: kinds.filter((kind) => KEPT_KINDS.includes(kind)), way: this.#way, hostname: kept.hostname })
  }

  #poolFor(isolation: IsolationOptions, reuse: boolean): IsolatedPool {
    const key = `${reuse}:${JSON.stringify(isolation)}`
    let pool = this.#pools.get(key)
    if (pool) return pool
    const { leftovers } = this.#settings
    pool = createPool({
      filename: WORKER_ENTRY,
      maxThreads: this.#workers,
      // A worker is forked when a file is due and no worker is free; none waits idle.
      minThreads: 0,
      isolateWorkers: !reuse,
      renewWorkers: reuse,
      leftovers,
      onLeftovers: ({ task, processes }) => process.stderr.write(`@isolane/jest: ${relative(process.cwd(), (task as TestFileTask).path)} ${describeLeftovers(processes)}\n`),
      isolation,
      onProgress: (report) => this.#heard(report),
    })
    this.#pools.set(key, pool)
    return pool
  }

  #heard({ worker, value }: ProgressReport): void {
    const progress = value as FileProgress
    if ('attempt' in progress) return void this.#attempts.push({ ...progress.attempt, file: progress.path, test: progress.test })
    const state = this.#running.get(progress.path)
    if (!state) return
    if ('began' in progress) {
      const { pid } = worker
      if (this.#settings.fileTimeout <= 0 || pid === undefined) return
      state.limit = setTimeout(() => {
        state.timedOut = true
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // Gone already: its result or its death is on its way.
        }
      }, this.#settings.fileTimeout)
      state.limit.unref()
      return
    }
    if (progress.event === 'test-case-start') {
      state.test = (progress.payload as { fullName?: string }).fullName
      void this.#emit('test-case-start', [progress.path, progress.payload as TestEvents['test-case-start'][1]])
    } else {
      state.test = undefined
      void this.#emit('test-case-result', [progress.path, progress.payload as TestEvents['test-case-result'][1]])
    }
  }

  /** What the run's tests tried to reach outside their workers' network, in the order heard. */
  get networkAttempts(): readonly TestNetworkAttempt[] {
    return this.#attempts
  }

  async destroy(): Promise<void> {
    try {
      await Promise.all([...this.#pools.values()].map((pool) => pool.destroy()))
    } finally {
      process.off('exit', this.#killWorkers)
    }
  }
}

/** At most `size` files at once, taken in order. */
class Slots {
  #free: number
  readonly #waiting: Array<() => void> = []

  constructor(size: number) {
    this.#free = size
  }

  async take<T>(action: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--
    else await new Promise<void>((resolve) => this.#waiting.push(resolve))
    try {
      return await action()
    } finally {
      const next = this.#waiting.shift()
      if (next) next()
      else this.#free++
    }
  }
}

class CancelRun extends Error {
  override name = 'CancelRun'
}

/** How many times Jest runs a file again whose worker exited with an error status (jest-runner gives jest-worker `maxRetries: 3`). */
const JEST_RETRIES = 3
/** Statuses jest-worker takes for a worker killed from outside (SIGTERM, SIGKILL through a shell): not tried again. */
const KILLED_STATUSES: ReadonlySet<number> = new Set([143, 137])

function failure(message: string): FileDone {
  // A stack of no frames: Jest prints the message alone (frames of isolane's would say nothing of the file).
  return { error: { message, stack: '', type: 'Error' } }
}

function asSerializable(error: unknown): SerializableError {
  if (error instanceof Error) return { message: error.message, stack: error.stack, code: (error as { code?: unknown }).code, type: 'Error' }
  return { message: String(error), stack: null, type: 'Error' }
}

function isWorkerExit(error: unknown): error is WorkerExitedError {
  return isIsolaneError(error) && error.code === 'ISOLANE_WORKER_EXITED'
}
