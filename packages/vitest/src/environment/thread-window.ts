// A window on the calling thread that stays open until restore(): what the environment can do
// from inside a worker that is already running. Only net, uts and ipc: a fresh mount namespace
// would give the thread its own filesystem context (unshare(2), CLONE_NEWNS implies CLONE_FS),
// apart from libuv's threadpool that runs async fs calls; pid and cgroup only reach new children.
// Sockets follow the thread that makes them: libuv makes them on the loop thread, which is the
// thread that runs the tests in a forks worker (main thread) and in a threads worker (its own).
import { enterIsolation, type IsolationPlan, type NamespaceKind } from '@isolane/core/internal'

export const THREAD_KINDS: readonly NamespaceKind[] = Object.freeze(['net', 'uts', 'ipc'] as NamespaceKind[])

export interface ThreadWindow {
  readonly kinds: readonly NamespaceKind[]
  readonly hostname: string | undefined
  /** Puts the thread back into the namespaces it had; sockets made meanwhile stay where they are. */
  restore(): void
}

/** Moves the calling thread into fresh namespaces made by `plan`, whose kinds the caller checked. */
export function enterThreadWindow(plan: IsolationPlan): ThreadWindow {
  const window = enterIsolation(plan)
  return { kinds: plan.kinds, hostname: window.context.hostname, restore: () => window.restore() }
}
