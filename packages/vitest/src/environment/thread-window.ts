// A window on the calling thread that stays open until restore(): what the environment can do
// from inside a worker that is already running. Only net, uts and ipc: a fresh mount namespace
// would give the thread its own filesystem context (unshare(2), CLONE_NEWNS implies CLONE_FS),
// apart from libuv's threadpool that runs async fs calls; pid and cgroup only reach new children.
// Sockets follow the thread that makes them: libuv makes them on the loop thread, which is the
// thread that runs the tests in a forks worker (main thread) and in a threads worker (its own).
import { cloneFlags, NAMESPACE_KINDS, type IsolationPlan, type NamespaceKind, type StepContext } from '@isolane/core'
import { loadCoreInternals } from './_core-internals.js'

export const THREAD_KINDS: readonly NamespaceKind[] = Object.freeze(['net', 'uts', 'ipc'] as NamespaceKind[])

export interface ThreadWindow {
  readonly kinds: readonly NamespaceKind[]
  readonly hostname: string | undefined
  /** Puts the thread back into the namespaces it had; sockets made meanwhile stay where they are. */
  restore(): void
}

/** Moves the calling thread into fresh namespaces made by `plan` (net, uts, ipc only). */
export async function enterThreadWindow(plan: IsolationPlan): Promise<ThreadWindow> {
  const core = await loadCoreInternals()
  // From here on, synchronous: nothing else may run on this thread half-way in.
  const saved: Array<{ kind: NamespaceKind; fd: number }> = []
  const restore = () => {
    const problems: unknown[] = []
    for (const { kind, fd } of saved.splice(0)) {
      try {
        core.setns(fd, NAMESPACE_KINDS[kind].flag, `setns(${NAMESPACE_KINDS[kind].flagName}) back to the worker's namespace`)
      } catch (error) {
        problems.push(error)
      }
      try {
        core.closeFd(fd)
      } catch (error) {
        problems.push(error)
      }
    }
    if (problems.length > 0) throw new AggregateError(problems, 'isolane environment: the thread could not be put back into its namespaces; the worker is in an unknown state and should not be reused. This is a bug in isolane: please report it.')
  }
  let moved = false
  try {
    for (const kind of plan.kinds) saved.push({ kind, fd: core.openFd(`/proc/thread-self/ns/${NAMESPACE_KINDS[kind].procName}`) })
    core.unshare(cloneFlags(plan.kinds), `unshare(${plan.kinds.map((k) => NAMESPACE_KINDS[k].flagName).join('|')})`)
    moved = true
    const context: StepContext = Object.freeze({ workerId: plan.workerId, kinds: plan.kinds, hostname: hostnameOf(plan) })
    for (const step of plan.steps) core.runStep(step, plan, context, { bindSources: new Map() })
  } catch (error) {
    // A refused unshare() left the thread where it was: close the descriptors, and let its error
    // (EPERM and what to do) through, rather than a setns() that would be refused the same way.
    if (moved) restore()
    else for (const { fd } of saved.splice(0)) core.closeFd(fd)
    throw error
  }
  return { kinds: plan.kinds, hostname: hostnameOf(plan), restore }
}

function hostnameOf(plan: IsolationPlan): string | undefined {
  for (const step of plan.steps) if (step.op === 'hostname') return step.hostname
  return undefined
}
