// Host side: Mocha's own ParallelBufferedRunner, unchanged (events replayed into the real reporter,
// bail, stats, uncaught handling), with an isolane pool where it would use workerpool. Every
// worker loads ./entry/worker.js; it runs one spec file and is replaced, or, with reuseWorkers,
// runs file after file as Mocha's own workers do.
import { basename, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createPlan, isIsolaneError, KEPT_KINDS, namespaceId, recordKept, type IsolaneErrorCode, type IsolationOptions, type KeptWorker, type LeftoversMode, type TestNetworkAttempt } from '@isolane/core/internal'
import { createPool, describeLeftovers, type IsolatedPool, type ProgressReport, type WorkerExitedError } from '@isolane/pool'
import { runnerWithPool, type BufferedPool, type MochaArgs, type ParallelBufferedRunnerClass, type SerializedEvent, type SerializedWorkerResult } from './mocha-internals.js'
import { BufferedWorkerPool, ParallelBufferedRunner, deserialize, mochaPackage } from './project-mocha.js'
import type { FileProgress, RecordedEvents, SpecFileOutcome, SpecFileTask, StartWorkerTask } from './entry/worker.js'
import { deadWorkerMessage, functionPluginInReusedWorkers, NETWORK_HOW_TO_ALLOW, workerExited, workerSetupFailed, type WorkerDeath } from './errors.js'

const WORKER_ENTRY = fileURLToPath(new URL('./entry/worker.js', import.meta.url))

export interface PoolSettings {
  jobs: number
  /** Several files a worker, renewed between them (fresh net, uts, ipc, /tmp, /dev/shm). */
  reuseWorkers: boolean
  leftovers: LeftoversMode
  isolation: IsolationOptions
  /** The workers' environment; without it, the parent's when each worker is forked (as Mocha's pool). */
  env: Record<string, string> | undefined
  execArgv: string[]
  /** Milliseconds a spec file may run before its worker is killed (0: no limit). */
  fileTimeout: number
  /** Note what tests try to reach outside their worker's network (with a net namespace of its own), and list it at the end. */
  reportNetworkAttempts: boolean
  /** Keep the namespaces of a worker whose file failed. */
  keep: boolean
}

/** A run's pool, and what its workers said of each file while it ran. */
export interface SpecFilePool {
  readonly pool: IsolatedPool
  readonly progress: FileProgressLog
  /** Handed to each worker when it watches for attempts outside its network: how to allow one. */
  readonly networkHowToAllow: string | undefined
  readonly keep: boolean
  /** The workers kept so far. */
  readonly kept: KeptWorker[]
}

/**
 * The pool of a run. Made before Mocha runs (it forks nothing until a file is due, so workers
 * start after Mocha's global setup, as Mocha's do): its options are checked then, and a failure
 * there is an error of the run, not one inside Mocha's runner.
 */
export function createSpecFilePool(settings: PoolSettings): SpecFilePool {
  const inline = settings.isolation.plugins?.find((plugin) => !('module' in plugin))
  if (settings.reuseWorkers && inline) throw functionPluginInReusedWorkers(inline.name)
  const progress = new FileProgressLog(settings.fileTimeout)
  const { kinds } = createPlan(settings.isolation, { workerId: 1 })
  const networkHowToAllow = settings.reportNetworkAttempts && kinds.includes('net') ? NETWORK_HOW_TO_ALLOW : undefined
  const pool = createPool({
    filename: WORKER_ENTRY,
    maxThreads: settings.jobs,
    // No idle worker waits: a worker is forked when a file is due and no worker is free (and none
    // is left behind when Mocha terminates the pool early on --bail). Mocha hands over every file
    // at once, so a reused worker finds the next file queued when it is done with one.
    minThreads: 0,
    isolateWorkers: !settings.reuseWorkers,
    renewWorkers: settings.reuseWorkers,
    leftovers: settings.leftovers,
    // Said at once, naming the file (Mocha's reporters write to stdout; this goes to stderr).
    onLeftovers: ({ task, processes }) => process.stderr.write(`isolane-mocha: ${relative(process.cwd(), (task as SpecFileTask).file)} ${describeLeftovers(processes)}\n`),
    env: settings.env,
    execArgv: settings.execArgv,
    isolation: settings.isolation,
    onProgress: (report) => progress.heard(report),
  })
  return { pool, progress, networkHowToAllow, keep: settings.keep && kinds.length > 0, kept: [] }
}

/**
 * What the workers said of each spec file while it ran (entry/worker.ts): the attempts its tests
 * made to reach outside their network. With a time limit, arms each file's when its worker says it
 * began it (files wait in the queue before that).
 */
export class FileProgressLog {
  readonly #fileTimeout: number
  readonly #limits = new Map<string, NodeJS.Timeout>()
  readonly #timedOut = new Set<string>()
  readonly #attempts: TestNetworkAttempt[] = []

  constructor(fileTimeout: number) {
    this.#fileTimeout = fileTimeout
  }

  heard({ worker, value }: ProgressReport): void {
    const progress = value as FileProgress
    if ('attempt' in progress) return void this.#attempts.push({ ...progress.attempt, file: progress.file, test: progress.test })
    const { pid } = worker
    if (this.#fileTimeout <= 0 || pid === undefined) return
    const limit = setTimeout(() => {
      this.#timedOut.add(progress.file)
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Gone already: its result or its death is on its way.
      }
    }, this.#fileTimeout)
    limit.unref()
    this.#limits.set(progress.file, limit)
  }

  /** The file is done (or its worker died): whether its time limit killed its worker. */
  finished(file: string): { timedOut: boolean } {
    clearTimeout(this.#limits.get(file))
    this.#limits.delete(file)
    return { timedOut: this.#timedOut.delete(file) }
  }

  get fileTimeout(): number {
    return this.#fileTimeout
  }

  /** What the run's tests tried to reach outside their workers' network, in the order heard. */
  get networkAttempts(): readonly TestNetworkAttempt[] {
    return this.#attempts
  }
}

/**
 * A ParallelBufferedRunner whose pool is isolane's. Mocha instantiates the runner class itself
 * (`Mocha#run`), so the pool travels in a class made for the run.
 */
export function isolaneRunnerClass(filePool: SpecFilePool, reuseWorkers: boolean): ParallelBufferedRunnerClass {
  return runnerWithPool(ParallelBufferedRunner, BufferedWorkerPool, () => new MochaPoolShape(filePool, reuseWorkers))
}

/** The shape of Mocha's BufferedWorkerPool, over an isolane pool. */
class MochaPoolShape implements BufferedPool {
  readonly #pool: IsolatedPool
  readonly #progress: FileProgressLog
  readonly #networkHowToAllow: string | undefined
  readonly #keep: boolean
  readonly #kept: KeptWorker[]
  readonly #reuseWorkers: boolean
  /** Files handed to the pool and not answered yet (Mocha hands over every file at once). */
  #inFlight = 0
  readonly #serialized = new WeakMap<MochaArgs, string>()

  constructor({ pool, progress, networkHowToAllow, keep, kept }: SpecFilePool, reuseWorkers: boolean) {
    this.#pool = pool
    this.#progress = progress
    this.#networkHowToAllow = networkHowToAllow
    this.#keep = keep
    this.#kept = kept
    this.#reuseWorkers = reuseWorkers
  }

  async run(file: string, options: MochaArgs): Promise<SerializedWorkerResult> {
    const task: SpecFileTask = { file, serializedOptions: this.#serializedOptions(options), networkHowToAllow: this.#networkHowToAllow, keep: this.#keep, mochaDir: mochaPackage.dir, announce: this.#progress.fileTimeout > 0 }
    let outcome: SpecFileOutcome
    this.#inFlight++
    try {
      outcome = await this.#pool.run<SpecFileOutcome>(task)
    } catch (error) {
      const { timedOut } = this.#progress.finished(file)
      if (isIsolaneError(error) && error.code === 'ISOLANE_WORKER_SETUP_FAILED') throw workerSetupFailed(file, error.cause)
      if (!isWorkerExit(error)) throw error
      if (this.#reuseWorkers) this.#replaceLostWorker()
      const death: WorkerDeath = timedOut ? { kind: 'timeout', pid: error.pid, ms: this.#progress.fileTimeout } : error.signal ? { kind: 'signal', pid: error.pid, signal: error.signal } : { kind: 'exit', pid: error.pid, code: error.exitCode ?? 0 }
      // The tests that ran, as the worker recorded them, and the one that was running failed with
      // how the worker died; a worker that died outside any test fails the file as a whole.
      const events = (error.progress as RecordedEvents[]).flatMap((recorded) => recorded.events)
      const partial = resultUpToDeath(events, death)
      if (partial) return deserialize(partial)
      throw workerExited(file, death)
    } finally {
      this.#inFlight--
    }
    this.#progress.finished(file)
    if (outcome.kept) this.#kept.push(recordKeptFile(file, outcome.kept))
    return deserialize(outcome.result as SerializedWorkerResult)
  }

  /**
   * The options a worker runs a file with, as Mocha's pool serializes them, less `files`: the run's
   * every spec file, which a worker does not use (Mocha#run sets it to the file's own), and which
   * would make each task grow with the suite (18 KB a file for 240 files, where the rest is 1 KB).
   * Made once for the options object Mocha hands over with every file.
   */
  #serializedOptions(options: MochaArgs): string {
    let serialized = this.#serialized.get(options)
    if (serialized === undefined) {
      const forWorkers: MochaArgs = { ...options }
      delete forWorkers.files
      serialized = BufferedWorkerPool.serializeOptions(forWorkers)
      this.#serialized.set(options, serialized)
    }
    return serialized
  }

  /**
   * tinypool forks a worker for a task it is given while no worker is free, but not for tasks
   * already queued when a kept worker dies (it replaces workers only up to minThreads, 0 here):
   * with that worker the last one, the queued files would wait for ever. A task that does
   * nothing makes it fork one, which then takes the queued files in order, the no-op last.
   */
  #replaceLostWorker(): void {
    const startWorker: StartWorkerTask = { startWorker: true }
    this.#pool.run(startWorker).catch(() => undefined)
  }

  /** Mocha terminates on --bail and again at the end; the pool's destroy() is idempotent. */
  terminate(): Promise<void> {
    return this.#pool.destroy()
  }

  /** For Mocha's debug output (DEBUG=mocha:parallel*). A worker runs one file at a time. */
  stats(): ReturnType<BufferedPool['stats']> {
    const { workersRunning } = this.#pool.stats
    const busy = Math.min(workersRunning, this.#inFlight)
    return { totalWorkers: workersRunning, busyWorkers: busy, idleWorkers: workersRunning - busy, pendingTasks: this.#inFlight - busy }
  }
}

/** The record of a worker kept after `file` failed: named for the file and the worker. */
function recordKeptFile(file: string, kept: NonNullable<SpecFileOutcome['kept']>): KeptWorker {
  const stem = basename(file).replace(/\.[cm]?[jt]s$/, '').replace(/\.(spec|test)$/, '')
  // Through a user namespace of its own (no root), or in the host's (privileged).
  const way = namespaceId(kept.holder, 'user') === namespaceId('self', 'user') ? 'privileged' : 'user-namespace'
  const kinds = KEPT_KINDS.filter((kind) => namespaceId(kept.holder, kind) !== namespaceId('self', kind))
  return recordKept({ name: `${stem}-w${kept.workerId ?? 0}`, pid: kept.holder, file: relative(process.cwd(), file), kinds, way, hostname: kept.hostname })
}

function isWorkerExit(error: unknown): error is WorkerExitedError {
  return isIsolaneError(error) && error.code === 'ISOLANE_WORKER_EXITED'
}

/**
 * A file's result as its worker would have sent it, had it lived: the events it reported, then the
 * test that was running failed with how the worker died, and every suite still open ended.
 * Undefined when no test was running (the worker died loading the file, or in a hook).
 */
function resultUpToDeath(reported: readonly unknown[], death: WorkerDeath): SerializedWorkerResult | undefined {
  const events = reported as SerializedEvent[]
  const openSuites: SerializedEvent[] = []
  let running: SerializedEvent | undefined
  let failures = 0
  for (const event of events) {
    if (event.eventName === 'suite') openSuites.push(event)
    else if (event.eventName === 'suite end') openSuites.pop()
    else if (event.eventName === 'test') running = event
    else if (event.eventName === 'test end') running = undefined
    else if (event.eventName === 'fail') failures++
  }
  if (!running?.data) return undefined
  const message = deadWorkerMessage(death)
  const test = { ...running.data, state: 'failed' }
  const error = { __type: 'Error', name: 'IsolaneError', code: 'ISOLANE_MOCHA_WORKER_EXITED' satisfies IsolaneErrorCode, message, stack: `IsolaneError: ${message}` }
  const ending: SerializedEvent[] = [{ eventName: 'fail', data: test, error }, { eventName: 'test end', data: test }, ...openSuites.reverse().map((suite) => ({ eventName: 'suite end', data: suite.data }))]
  return { __type: 'SerializableWorkerResult', failureCount: failures + 1, events: [...events, ...ending] } as unknown as SerializedWorkerResult
}
