// The forking of a pool's workers: each fork tinypool makes (through the fork hook) becomes a
// child started in fresh namespaces by core's forkIn(), in an isolation window of its own. Where
// no child may start (the window failed, the pool is being destroyed) tinypool gets a stand-in
// worker that fails its task with the reason (stand-in-worker.ts).
import type { ChildProcess, ForkOptions, StdioOptions } from 'node:child_process'
import { createPlan, forkIn, isIsolaneError, NOTICE_FD, NOTICE_FD_ENV, NoticeFile, type LaunchWay } from '@isolane/core/internal'
import { POOL_TOKEN_ENV, WORKER_ID_ENV } from '../shared/protocol.js'
import { originalFork } from './builtin-child-process.js'
import { poolDestroyed, workerSetupFailed } from './errors.js'
import { isolatedForkOptions } from './isolated-fork.js'
import type { ResolvedPoolOptions } from './options.js'
import { standInWorker } from './stand-in-worker.js'
import type { WorkerHealth } from './worker-health.js'

export interface ForkingContext {
  readonly options: ResolvedPoolOptions
  /** How the workers' namespaces are made here (core's chooseWay()), decided before any worker. */
  readonly way: LaunchWay
  readonly health: WorkerHealth
  isDestroying(): boolean
  /** Whether tinypool forks now inside a call of the pool (else on its own: a replacement). */
  inCall(): boolean
  /** Has tinypool replace a stand-in that would otherwise stay (no isolateWorkers). */
  replaceStandIn(): void
}

export class WorkerForking {
  readonly #context: ForkingContext
  #lastWorkerId = 0
  /** Set when a window could not put the thread back (ISOLANE_RESTORE_FAILED): no more windows. */
  #broken: unknown
  /** Isolation windows that failed (a plugin threw, the kernel refused): the task got the error. */
  windowFailures = 0

  constructor(context: ForkingContext) {
    this.#context = context
  }

  /** The error every task fails with once a window could not put the thread back. */
  get broken(): unknown {
    return this.#broken
  }

  /** Called by the fork hook for each fork of the pool's tinypool, synchronous or not. */
  fork(modulePath: string, args: readonly string[], options: ForkOptions): ChildProcess {
    const { options: poolOptions, way, health } = this.#context
    const workerId = ++this.#lastWorkerId
    if (this.#context.isDestroying()) return standInWorker(poolDestroyed())
    if (this.#broken) return standInWorker(this.#broken)
    let child: ChildProcess
    // What its tasks record (recordProgress()), read only if it dies with one (core's notices.ts).
    const notices = NoticeFile.tryOpen()
    try {
      const plan = createPlan(poolOptions.isolation, { workerId })
      // tinypool pipes the worker's output: so does the pool, with the notice file after the IPC channel.
      const stdio: StdioOptions = notices ? ['pipe', 'pipe', 'pipe', 'ipc', notices.fd] : ['pipe', 'pipe', 'pipe', 'ipc']
      const env = notices ? { ...this.#workerEnv(options.env), [NOTICE_FD_ENV]: String(NOTICE_FD) } : this.#workerEnv(options.env)
      const forkOptions = isolatedForkOptions({ ...options, stdio, env }, workerId)
      child = forkIn(plan, way, modulePath, args, forkOptions, { fork: originalFork, renewable: poolOptions.renewWorkers, setupFailures: 'ipc' })
    } catch (error) {
      notices?.close()
      this.windowFailures++
      // The thread may be left in the worker's namespaces: another window could only make it worse.
      if (isIsolaneError(error) && error.code === 'ISOLANE_RESTORE_FAILED') this.#broken = error
      return standInWorker(workerSetupFailed(workerId, error), poolOptions.isolateWorkers ? undefined : () => this.#context.replaceStandIn())
    }
    health.track(child, workerId, !this.#context.inCall(), notices)
    return child
  }

  /** The parent's environment (or the pool's `env`), with tinypool's worker id; the pool's token stays out. */
  #workerEnv(fromTinypool: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...(this.#context.options.env ?? process.env) }
    delete env[POOL_TOKEN_ENV]
    delete env[WORKER_ID_ENV]
    if (fromTinypool?.TINYPOOL_WORKER_ID !== undefined) env.TINYPOOL_WORKER_ID = fromTinypool.TINYPOOL_WORKER_ID
    return env
  }
}
