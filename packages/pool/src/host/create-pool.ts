// createPool(): a tinypool pool (child_process runtime) whose every worker is forked into fresh
// namespaces. Loads ../worker/task-entry.ts in every worker (as tinypool's `filename`), which
// loads the user's worker module.
import type { ChildProcess, ForkOptions } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import Tinypool from 'tinypool'
import { IsolaneError, announceOnce, chooseWay, createPlan, describeLeftovers, deserializeError, forkIn, isIsolaneError, isSetupFailedMessage, SETUP_FAILED_KEY, type LaunchWay } from '@isolane/core/internal'
import { POOL_TOKEN_ENV, WORKER_ID_ENV, isProgressMessage, isResultEnvelope, isSerializedTaskError, type KickEnvelope, type LeftProcess, type TaskEnvelope } from '../shared/protocol.js'
import { originalFork } from './_child-process.js'
import { cannotIsolate, leftProcesses, poolDestroyed, workerExited, workerSetupFailed, workersCannotStart, type WorkerExit } from './errors.js'
import { registerPool, unregisterPool, type HookedPool } from './fork-hook.js'
import { isolatedForkOptions } from './isolated-fork.js'
import { resolvePoolOptions, type LeftoversReport, type PoolOptions, type ResolvedPoolOptions } from './options.js'
import { TASK_ENTRY, tinypoolProcessEntry } from './paths.js'
import { standInWorker } from './stand-in-worker.js'
import { toTaskError } from './task-errors.js'

export interface PoolStats {
  /** Workers forked into fresh namespaces. */
  readonly workersStarted: number
  /** Of those, the ones tinypool forked on its own, outside any call of the pool (replacements). */
  readonly workersStartedInBackground: number
  /** Workers alive now. */
  readonly workersRunning: number
  /** Workers that exited without being asked to (killed, crashed). */
  readonly workersExitedUnexpectedly: number
  /** Isolation windows that failed (a plugin threw, the kernel refused): the task got the error. */
  readonly windowFailures: number
  readonly tasksCompleted: number
  readonly tasksFailed: number
}

export interface PoolWorker {
  readonly workerId: number
  readonly pid: number | undefined
}

export interface RunOptions {
  signal?: AbortSignal
}

export interface IsolatedPool {
  run<T = unknown>(task: unknown, options?: RunOptions): Promise<T>
  /** Stops every worker and waits for them: no process, mount or namespace of the pool is left. */
  destroy(): Promise<void>
  readonly stats: PoolStats
  /** The workers alive now. */
  readonly workers: readonly PoolWorker[]
}

/** Validates the options (throws before any worker starts) and starts the pool. */
export function createPool(options: PoolOptions): IsolatedPool {
  return new IsolatedTinypool(options)
}

const KICK: KickEnvelope = Object.freeze({ __isolane_task__: true, kick: true })
const UNEXPECTED_EXIT = 'Worker exited unexpectedly'
const CANCELLED = 'CancelError'
/** Workers that die before they are ready, in a row, before the queued tasks are failed. */
const START_ATTEMPTS = 3
const TERMINATING = 'Terminating worker thread'

class IsolatedTinypool implements IsolatedPool {
  readonly #token = randomUUID()
  readonly #options: ResolvedPoolOptions
  /** How the workers' namespaces are made here (core's chooseWay()), decided before any worker. */
  readonly #way: LaunchWay
  readonly #tinypool: Tinypool
  readonly #children = new Map<ChildProcess, PoolWorker>()
  /** tinypool's "Worker exited unexpectedly" errors, and how that worker exited. */
  readonly #exits = new WeakMap<object, WorkerExit>()
  #lastWorkerId = 0
  /** > 0 while the pool is inside a synchronous call into tinypool (its forks there are not in the background). */
  #callDepth = 0
  #destroying: Promise<void> | undefined
  /** Set when a window could not put the thread back (ISOLANE_RESTORE_FAILED): no more windows. */
  #broken: unknown
  /** Workers that exited before they were ready, since the last one that was ready; the last exit, and its setup's failure if it said one. */
  #startFailures: { count: number; last?: WorkerExit; setup?: unknown } = { count: 0 }
  /** Why the queued tasks were last cancelled (only the pool cancels tasks: a CancelError is its doing). */
  #cancelledBecause: Error | undefined
  #counts = { workersStarted: 0, workersStartedInBackground: 0, workersExitedUnexpectedly: 0, windowFailures: 0, tasksCompleted: 0, tasksFailed: 0 }

  constructor(options: PoolOptions) {
    this.#options = resolvePoolOptions(options)
    // Before any worker: a machine that cannot isolate fails here once, not in every task.
    const verdict = chooseWay(this.#options.plan)
    if (!verdict.ok) throw cannotIsolate(this.#options.kinds, verdict.error)
    if (verdict.notice) announceOnce(verdict.notice)
    this.#way = verdict.way
    if (!existsSync(TASK_ENTRY))
      throw new IsolaneError('ISOLANE_INTERNAL', `@isolane/pool's worker entry ${TASK_ENTRY} is missing: the package is not built. To fix: build it (\`pnpm build\` in the isolane workspace).`)
    const hooked: HookedPool = { tinypoolEntry: tinypoolProcessEntry(), forkWorker: (modulePath, args, forkOptions) => this.#forkWorker(modulePath, args, forkOptions) }
    registerPool(this.#token, hooked)
    try {
      this.#tinypool = this.#inCall(
        () => new Tinypool({ ...this.#options.tinypool, isolateWorkers: this.#options.isolateWorkers, filename: TASK_ENTRY, runtime: 'child_process', env: { [POOL_TOKEN_ENV]: this.#token } }),
      )
    } catch (error) {
      unregisterPool(this.#token)
      throw error
    }
    // tinypool reports a worker that failed with no task on the pool itself; unheard, it would crash the parent.
    this.#tinypool.on('error', (error: unknown) => this.#onIdleWorkerError(error))
  }

  get stats(): PoolStats {
    return Object.freeze({ ...this.#counts, workersRunning: this.#children.size })
  }

  get workers(): readonly PoolWorker[] {
    return Object.freeze([...this.#children.values()])
  }

  async run<T = unknown>(task: unknown, options: RunOptions = {}): Promise<T> {
    if (this.#destroying) throw poolDestroyed()
    if (this.#broken) throw this.#broken
    const { href, name, renewWorkers, leftovers } = this.#options
    const envelope: TaskEnvelope = { __isolane_task__: true, href, name, task, renew: renewWorkers, stopLeftovers: leftovers !== 'keep' }
    let answer: unknown
    try {
      answer = await this.#inCall(() => this.#tinypool.run(envelope, { signal: options.signal ?? null }))
    } catch (reason) {
      this.#counts.tasksFailed++
      const left = isSerializedTaskError(reason) ? reason.left : undefined
      if (left && left.length > 0) this.#reportLeftovers(task, left)
      throw this.#taskError(reason)
    }
    const { value, left } = isResultEnvelope(answer) ? answer : { value: answer, left: [] }
    if (left.length > 0) {
      this.#reportLeftovers(task, left)
      if (leftovers === 'fail') {
        this.#counts.tasksFailed++
        throw leftProcesses(left)
      }
    }
    this.#counts.tasksCompleted++
    return value as T
  }

  #reportLeftovers(task: unknown, processes: readonly LeftProcess[]): void {
    const report: LeftoversReport = Object.freeze({ task, processes })
    if (this.#options.onLeftovers) this.#options.onLeftovers(report)
    else process.emitWarning(describeLeftovers(processes), { code: 'ISOLANE_LEFT_PROCESSES' })
  }

  destroy(): Promise<void> {
    this.#destroying ??= this.#shutDown()
    return this.#destroying
  }

  /** Called by the fork hook for each fork of this pool's tinypool, synchronous or not. */
  #forkWorker(modulePath: string, args: readonly string[], options: ForkOptions): ChildProcess {
    const workerId = ++this.#lastWorkerId
    if (this.#destroying) return standInWorker(poolDestroyed())
    if (this.#broken) return standInWorker(this.#broken)
    let child: ChildProcess
    try {
      const plan = createPlan(this.#options.isolation, { workerId })
      const forkOptions = isolatedForkOptions({ ...options, env: this.#workerEnv(options.env) }, workerId)
      child = forkIn(plan, this.#way, modulePath, args, forkOptions, { fork: originalFork, renewable: this.#options.renewWorkers, setupFailures: 'ipc' })
    } catch (error) {
      this.#counts.windowFailures++
      // The thread may be left in the worker's namespaces: another window could only make it worse.
      if (isIsolaneError(error) && error.code === 'ISOLANE_RESTORE_FAILED') this.#broken = error
      return standInWorker(workerSetupFailed(workerId, error), this.#options.isolateWorkers ? undefined : () => this.#replaceStandIn())
    }
    this.#track(child, workerId)
    return child
  }

  /** The parent's environment (or the pool's `env`), with tinypool's worker id; the pool's token stays out. */
  #workerEnv(fromTinypool: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...(this.#options.env ?? process.env) }
    delete env[POOL_TOKEN_ENV]
    delete env[WORKER_ID_ENV]
    if (fromTinypool?.TINYPOOL_WORKER_ID !== undefined) env.TINYPOOL_WORKER_ID = fromTinypool.TINYPOOL_WORKER_ID
    return env
  }

  #track(child: ChildProcess, workerId: number): void {
    // A getter: in a PID namespace made through a user namespace, the worker's pid is known a moment after the fork.
    const worker: PoolWorker = Object.freeze({ workerId, get pid() { return child.pid } })
    this.#children.set(child, worker)
    this.#counts.workersStarted++
    if (this.#callDepth === 0) this.#counts.workersStartedInBackground++
    let exit: WorkerExit | undefined
    // Registered before tinypool's own listeners: tinypool turns an exit it did not ask for into
    // an 'error' on the child, and by then the exit is known here.
    child.on('exit', (code, signal) => {
      this.#children.delete(child)
      exit = { workerId, pid: worker.pid, code, signal }
    })
    let ready = false
    // What the worker's setup said when it failed, just before it exited (core's preload): heard before its exit.
    let setupFailure: unknown
    child.on('message', (message: { ready?: unknown; __tinypool_worker_message__?: unknown } | null) => {
      if (isProgressMessage(message)) return this.#options.onProgress?.({ worker, value: message.value })
      if (isSetupFailedMessage(message)) return void (setupFailure = workerSetupFailed(workerId, deserializeError(message[SETUP_FAILED_KEY])))
      if (message?.ready === true && message.__tinypool_worker_message__ === true) {
        ready = true
        this.#startFailures = { count: 0 }
      }
    })
    child.on('error', (error) => {
      if (exit && error?.message === UNEXPECTED_EXIT) {
        this.#counts.workersExitedUnexpectedly++
        this.#exits.set(error, exit)
        if (!ready) this.#startFailures = { count: this.#startFailures.count + 1, last: exit, setup: setupFailure }
      }
    })
  }

  #taskError(reason: unknown): unknown {
    if (typeof reason === 'object' && reason !== null) {
      const exit = this.#exits.get(reason)
      if (exit) return workerExited(exit, reason)
      if (this.#destroying && (reason as Error).message === TERMINATING) return Object.assign(poolDestroyed(), { cause: reason })
      if (this.#cancelledBecause && (reason as Error).name === CANCELLED) return this.#cancelledBecause
    }
    return toTaskError(reason)
  }

  /**
   * Under isolateWorkers tinypool replaces the stand-in after its task anyway. Otherwise it would
   * keep it, and every later task on it would fail: recycleWorkers() marks it (busy until its
   * answer arrives) to be replaced once that task is done, and replaces idle workers at once.
   */
  #replaceStandIn(): void {
    if (this.#destroying) return
    this.#tinypool.recycleWorkers().catch(() => undefined)
  }

  /**
   * tinypool reports here a worker that failed while it had no task, for example one killed before
   * it was ready. Tasks queued for it would then wait for a worker that no one adds: tinypool adds
   * workers only in run() from then on (`workerFailsDuringBootstrap`). A no-op task makes it add
   * one. Workers that cannot start at all (a bad execArgv) would make that a loop of forks: after
   * a few in a row, the queued tasks fail instead.
   */
  #onIdleWorkerError(_error: unknown): void {
    if (this.#destroying || this.#tinypool.queueSize === 0) return
    const { count, last, setup } = this.#startFailures
    // A setup that failed fails the same way again: the queued tasks fail with its error at once.
    if (setup) {
      this.#startFailures = { count: 0 }
      this.#cancelledBecause = setup as Error
      this.#tinypool.cancelPendingTasks()
      return
    }
    if (count < START_ATTEMPTS || !last) {
      this.#tinypool.run(KICK).catch(() => undefined)
      return
    }
    this.#startFailures = { count: 0 }
    this.#cancelledBecause = workersCannotStart(count, last)
    this.#tinypool.cancelPendingTasks()
  }

  async #shutDown(): Promise<void> {
    try {
      await this.#tinypool.destroy()
    } finally {
      // Normally none: tinypool waited for every worker it knew. Anything left is stopped here.
      await Promise.all([...this.#children.keys()].map((child) => killAndWait(child)))
      unregisterPool(this.#token)
    }
  }

  #inCall<R>(action: () => R): R {
    this.#callDepth++
    try {
      return action()
    } finally {
      this.#callDepth--
    }
  }
}

function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}
