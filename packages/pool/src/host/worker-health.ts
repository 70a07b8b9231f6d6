// Worker health: which of the pool's workers are alive, how each one ended, and whether workers
// can start at all. tinypool tells a worker's end only as an error ("Worker exited unexpectedly",
// tinypool-internals.ts) on the child and then on its task; the listeners here, registered before
// tinypool's own, know the exit first, so that the task's error can name it (task-errors.ts).
// A worker that dies before it is ready, again and again, would make tinypool fork for ever:
// queueVerdict() says when the queued tasks are to fail instead.
import type { ChildProcess } from 'node:child_process'
import { deserializeError, isSetupFailedMessage, SETUP_FAILED_KEY, type NoticeFile, type TaskNotice } from '@isolane/core/internal'
import { isProgressMessage, isResultMessage, type ResultMessage } from '../shared/protocol.js'
import { workerSetupFailed, workersCannotStart, type WorkerExit } from './errors.js'
import type { ProgressReport } from './options.js'
import { isUnexpectedExitError, isWorkerReadyMessage } from './tinypool-internals.js'

export interface PoolWorker {
  readonly workerId: number
  readonly pid: number | undefined
}

/** Workers that die before they are ready, in a row, before the queued tasks are failed. */
const START_ATTEMPTS = 3

/** What to do for the tasks queued when a worker failed with no task: have tinypool add a worker, or fail them with this error. */
export type QueueVerdict = { readonly kick: true } | { readonly cancel: Error }

export class WorkerHealth {
  readonly #children = new Map<ChildProcess, PoolWorker>()
  /** tinypool's "Worker exited unexpectedly" errors, and how that worker exited. */
  readonly #exits = new WeakMap<object, WorkerExit>()
  /** Workers that exited before they were ready, since the last one that was ready; the last exit, and its setup's failure if it said one. */
  #startFailures: { count: number; last?: WorkerExit; setup?: unknown } = { count: 0 }
  readonly #onProgress: ((report: ProgressReport) => void) | undefined
  readonly #onResult: (message: ResultMessage) => void
  readonly counts = { workersStarted: 0, workersStartedInBackground: 0, workersExitedUnexpectedly: 0 }

  /** `onProgress`: the pool's option; `onResult`: a task's value, sent by its worker beside tinypool's answer. */
  constructor(onProgress: ((report: ProgressReport) => void) | undefined, onResult: (message: ResultMessage) => void) {
    this.#onProgress = onProgress
    this.#onResult = onResult
  }

  /** The workers alive now. */
  get workers(): readonly PoolWorker[] {
    return Object.freeze([...this.#children.values()])
  }

  get running(): number {
    return this.#children.size
  }

  /** The processes alive now, to stop what tinypool left. */
  get children(): ChildProcess[] {
    return [...this.#children.keys()]
  }

  /**
   * Follows a worker from its fork to its exit. `inBackground`: tinypool forked it outside any call
   * of the pool (a replacement). `notices`: the file its tasks record in (worker-forking.ts), read
   * when it exits (what the task it had recorded) and closed.
   */
  track(child: ChildProcess, workerId: number, inBackground: boolean, notices: NoticeFile | undefined): void {
    // A getter: in a PID namespace made through a user namespace, the worker's pid is known a moment after the fork.
    const worker: PoolWorker = Object.freeze({ workerId, get pid() { return child.pid } })
    this.#children.set(child, worker)
    this.counts.workersStarted++
    if (inBackground) this.counts.workersStartedInBackground++
    let exit: WorkerExit | undefined
    // Registered before tinypool's own listeners: tinypool turns an exit it did not ask for into
    // an 'error' on the child, and by then the exit is known here.
    child.on('exit', (code, signal) => {
      this.#children.delete(child)
      exit = { workerId, pid: worker.pid, code, signal, notices: (notices?.read() ?? []) as TaskNotice[] }
      notices?.close()
    })
    let ready = false
    // What the worker's setup said when it failed, just before it exited (core's preload): heard before its exit.
    let setupFailure: unknown
    child.on('message', (message: unknown) => {
      if (isResultMessage(message)) return this.#onResult(message)
      if (isProgressMessage(message)) return this.#onProgress?.({ worker, value: message.value })
      if (isSetupFailedMessage(message)) return void (setupFailure = workerSetupFailed(workerId, deserializeError(message[SETUP_FAILED_KEY])))
      if (isWorkerReadyMessage(message)) {
        ready = true
        this.#startFailures = { count: 0 }
      }
    })
    child.on('error', (error) => {
      if (exit && isUnexpectedExitError(error)) {
        this.counts.workersExitedUnexpectedly++
        this.#exits.set(error, exit)
        if (!ready) this.#startFailures = { count: this.#startFailures.count + 1, last: exit, setup: setupFailure }
      }
    })
  }

  /** How the worker behind tinypool's "Worker exited unexpectedly" error ended; undefined for any other error. */
  exitOf(error: object): WorkerExit | undefined {
    return this.#exits.get(error)
  }

  /**
   * For tasks left queued when a worker failed with no task: tinypool adds workers only in run()
   * then (`workerFailsDuringBootstrap`), so a no-op task makes it add one ('kick'). A setup that
   * failed fails the same way again, and workers that cannot start at all (a bad execArgv) would
   * make the kicks a loop of forks: then the queued tasks fail, with the setup's error or after a
   * few starts in a row.
   */
  queueVerdict(): QueueVerdict {
    const { count, last, setup } = this.#startFailures
    if (setup) {
      this.#startFailures = { count: 0 }
      return { cancel: setup as Error }
    }
    if (count < START_ATTEMPTS || !last) return { kick: true }
    this.#startFailures = { count: 0 }
    return { cancel: workersCannotStart(count, last) }
  }
}
