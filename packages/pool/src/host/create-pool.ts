// createPool(): a tinypool pool (child_process runtime) whose every worker is forked into fresh
// namespaces. Loads ../worker/task-entry.ts in every worker (as tinypool's `filename`), which
// loads the user's worker module. This is the facade: the pool's API, its tasks and its end. The
// forking of workers is worker-forking.ts, their health worker-health.ts, what a failed task is
// told task-errors.ts; what the pool relies on of tinypool beyond its API, tinypool-internals.ts.
import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import Tinypool from 'tinypool'
import { announceOnce, chooseWay, describeLeftovers, IsolaneError } from '@isolane/core/internal'
import { POOL_TOKEN_ENV, RESULT_KEY, isResultEnvelope, isSerializedTaskError, type KickEnvelope, type LeftProcess, type TaskEnvelope } from '../shared/protocol.js'
import { cannotIsolate, leftProcesses, poolDestroyed } from './errors.js'
import { registerPool, unregisterPool, type HookedPool } from './fork-hook.js'
import { resolvePoolOptions, type LeftoversReport, type PoolOptions, type ResolvedPoolOptions } from './options.js'
import { TASK_ENTRY } from './paths.js'
import { taskFailure } from './task-errors.js'
import { tinypoolProcessEntry } from './tinypool-internals.js'
import { WorkerForking } from './worker-forking.js'
import { WorkerHealth, type PoolWorker } from './worker-health.js'

export type { PoolWorker } from './worker-health.js'

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
/** The pools made in this process so far: each one's token for the fork hook (fork-hook.ts), unique in the process. */
let pools = 0

class IsolatedTinypool implements IsolatedPool {
  // Not randomUUID(): its first random bytes cost the host about 2 ms, for a name only this process reads.
  readonly #token = `${process.pid}.${++pools}`
  readonly #options: ResolvedPoolOptions
  readonly #tinypool: Tinypool
  readonly #health: WorkerHealth
  readonly #forking: WorkerForking
  /** > 0 while the pool is inside a synchronous call into tinypool (its forks there are not in the background). */
  #callDepth = 0
  #destroying: Promise<void> | undefined
  /** Why the queued tasks were last cancelled (only the pool cancels tasks: a CancelError is its doing). */
  #cancelledBecause: Error | undefined
  #tasks = { tasksCompleted: 0, tasksFailed: 0 }
  #lastTaskId = 0
  /** Tasks' values, sent by their workers ahead of tinypool's answers (ResultEnvelope), by task number. */
  readonly #values = new Map<number, unknown>()

  constructor(options: PoolOptions) {
    this.#options = resolvePoolOptions(options)
    // Before any worker: a machine that cannot isolate fails here once, not in every task.
    const verdict = chooseWay(this.#options.plan)
    if (!verdict.ok) throw cannotIsolate(this.#options.kinds, verdict.error)
    if (verdict.notice) announceOnce(verdict.notice)
    if (!existsSync(TASK_ENTRY))
      throw new IsolaneError('ISOLANE_INTERNAL', `@isolane/pool's worker entry ${TASK_ENTRY} is missing: the package is not built. To fix: build it (\`pnpm build\` in the isolane workspace).`)
    this.#health = new WorkerHealth(this.#options.onProgress, (message) => this.#values.set(message[RESULT_KEY], message.value))
    this.#forking = new WorkerForking({
      options: this.#options,
      way: verdict.way,
      health: this.#health,
      isDestroying: () => this.#destroying !== undefined,
      inCall: () => this.#callDepth > 0,
      replaceStandIn: () => this.#replaceStandIn(),
    })
    const hooked: HookedPool = { tinypoolEntry: tinypoolProcessEntry(), forkWorker: (modulePath, args, forkOptions) => this.#forking.fork(modulePath, args, forkOptions) }
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
    this.#tinypool.on('error', () => this.#onIdleWorkerError())
  }

  get stats(): PoolStats {
    return Object.freeze({ ...this.#health.counts, windowFailures: this.#forking.windowFailures, ...this.#tasks, workersRunning: this.#health.running })
  }

  get workers(): readonly PoolWorker[] {
    return this.#health.workers
  }

  async run<T = unknown>(task: unknown, options: RunOptions = {}): Promise<T> {
    if (this.#destroying) throw poolDestroyed()
    if (this.#forking.broken) throw this.#forking.broken
    const { href, name, renewWorkers, leftovers } = this.#options
    const envelope: TaskEnvelope = { __isolane_task__: true, id: ++this.#lastTaskId, href, name, task, renew: renewWorkers, stopLeftovers: leftovers !== 'keep' }
    let answer: unknown
    try {
      answer = await this.#inCall(() => this.#tinypool.run(envelope, { signal: options.signal ?? null }))
    } catch (reason) {
      this.#values.delete(envelope.id)
      this.#tasks.tasksFailed++
      const left = isSerializedTaskError(reason) ? reason.left : undefined
      if (left && left.length > 0) this.#reportLeftovers(task, left)
      throw taskFailure(reason, { taskId: envelope.id, exitOf: (error) => this.#health.exitOf(error), destroying: this.#destroying !== undefined, cancelledBecause: this.#cancelledBecause })
    }
    const left = isResultEnvelope(answer) ? answer.left : []
    const value = this.#values.get(envelope.id)
    this.#values.delete(envelope.id)
    if (left.length > 0) {
      this.#reportLeftovers(task, left)
      if (leftovers === 'fail') {
        this.#tasks.tasksFailed++
        throw leftProcesses(left)
      }
    }
    this.#tasks.tasksCompleted++
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
   * it was ready. Tasks queued for it would then wait for a worker that no one adds: the worker
   * health says whether a no-op task makes tinypool add one, or the queued tasks fail.
   */
  #onIdleWorkerError(): void {
    if (this.#destroying || this.#tinypool.queueSize === 0) return
    const verdict = this.#health.queueVerdict()
    if ('kick' in verdict) {
      this.#tinypool.run(KICK).catch(() => undefined)
      return
    }
    this.#cancelledBecause = verdict.cancel
    this.#tinypool.cancelPendingTasks()
  }

  async #shutDown(): Promise<void> {
    try {
      await this.#tinypool.destroy()
    } finally {
      // Normally none: tinypool waited for every worker it knew. Anything left is stopped here.
      await Promise.all(this.#health.children.map((child) => killAndWait(child)))
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
