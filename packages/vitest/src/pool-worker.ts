// One Vitest worker process, forked into fresh namespaces.
// Loads Vitest's `<distPath>/workers/forks.js`, as the stock forks pool does.
import type { ChildProcess } from 'node:child_process'
import { createPlan, hostnameOf, namespaceId, withIsolation, type IsolationOptions, type IsolationPlan } from '@isolane/core'
import { ForksPoolWorker, type PoolOptions } from 'vitest/node'
import { fileOptionsMessage, notIsolatedBug, POOL_NAME } from './_messages.js'
import { HANDOFF_VARIABLE, type WorkerHandoff } from './handoff.js'
import { fileOptionsOf, mergeFileOptions } from './options.js'
import { bindsToKeep } from './worker-paths.js'

export class IsolanePoolWorker extends ForksPoolWorker {
  // Vitest reuses a runner (isolate: false) only for a task whose pool name equals the worker's.
  override readonly name = POOL_NAME
  readonly #plan: IsolationPlan
  readonly #workerId: number

  /** Throws on a file's bad options: Vitest then fails that file, and no worker is forked. */
  constructor(options: PoolOptions, poolIsolation: IsolationOptions, workerId: number) {
    super(options)
    this.#workerId = workerId
    this.#plan = planFor(options, poolIsolation, workerId)
  }

  override async start(): Promise<void> {
    if (this.#child()) return
    const plan = this.#plan
    const handoff: WorkerHandoff = { pool: 'isolane', kinds: plan.kinds, hostname: hostnameOf(plan), workerId: this.#workerId, parentPid: process.pid }
    // `env` is one object for all of a project's workers: copy, never mutate.
    this.env = { ...this.env, [HANDOFF_VARIABLE]: JSON.stringify(handoff) }
    // ForksPoolWorker.start() calls child_process.fork() before its first await, so the child is
    // forked inside the window, from the thread that is in the fresh namespaces.
    const started = withIsolation(plan, () => super.start())
    const child = this.#child()
    if (!child) {
      await started // a synchronous throw in start() rejects it: show that error first
      throw new Error('isolane pool: Vitest did not fork the worker synchronously in start(). This is a bug in isolane (or a change in Vitest): please report it with your Vitest version.')
    }
    // No pid: the fork itself failed, and the child emits 'error', which Vitest reports as for forks.
    if (child.pid === undefined) return started
    for (const kind of plan.kinds) if (namespaceId(child.pid, kind) === namespaceId('self', kind)) throw new Error(notIsolatedBug(kind, child.pid))
    await started
  }

  override async stop(): Promise<void> {
    // A worker whose start failed has no process; ForksPoolWorker would call that a bug in Vitest.
    if (this.#child()) await super.stop()
  }

  #child(): ChildProcess | undefined {
    // `_fork` is private in Vitest's types; it is the ChildProcess that start() forked.
    return (this as unknown as { _fork?: ChildProcess })._fork
  }
}

/** The plan for one worker: the pool's options, the file's choices, Vitest's paths kept. */
function planFor({ environment, project, distPath }: PoolOptions, poolIsolation: IsolationOptions, workerId: number): IsolationPlan {
  let options: IsolationOptions
  let plan: IsolationPlan
  try {
    options = mergeFileOptions(poolIsolation, fileOptionsOf(environment, project.config.environmentOptions as Record<string, unknown> | undefined))
    plan = createPlan(options, { workerId })
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    throw new Error(fileOptionsMessage(`a worker of project "${project.name || project.config.root}" (environment ${JSON.stringify(environment)})`, detail), { cause: error })
  }
  const tmpfs = plan.steps.flatMap((step) => (step.op === 'tmpfs' ? [step.path] : []))
  if (tmpfs.length === 0) return plan
  const keep = bindsToKeep(tmpfs, { moduleCache: project.tmpDir, others: [project.config.root, distPath, process.cwd()] })
  if (keep.length === 0) return plan
  return createPlan({ ...options, binds: [...(options.binds ?? []), ...keep] }, { workerId })
}
