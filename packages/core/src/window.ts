// The isolation window: the calling thread enters fresh namespaces, the plan's steps run, the
// callback runs (a child it forks inherits the namespaces with all its threads), and the thread is
// put back where it was, whatever happened. One synchronous stretch: no callback of the event
// loop can run inside it.
import { IsolaneError, isIsolaneError } from './errors.js'
import { noteFsContextUnshared } from './fs-context.js'
import { NAMESPACE_KINDS, cloneFlags, type NamespaceKind } from './kinds.js'
import { O } from './libc/constants.js'
import { closeFd, fchdir, openFd, setns, unshare } from './libc/syscalls.js'
import { createPlan } from './plan.js'
import { hostnameOf } from './plan-queries.js'
import type { IsolationOptions, IsolationPlan, PlanContext, StepContext } from './plan-types.js'
import { assertOwnedNamespaces } from './ownership.js'
import { assertLinux } from './platform.js'
import { runSteps } from './steps/index.js'

export interface SavedThreadState {
  readonly namespaces: ReadonlyArray<{ kind: NamespaceKind; fd: number }>
  readonly cwd: number
  /** More descriptors to close on restore, without joining them. */
  readonly close?: readonly number[]
}

/**
 * Runs `callback` with the calling thread in fresh namespaces made by `plan` (or by options, which
 * are validated first) and returns what it returns. The thread's namespaces and cwd are restored
 * before this returns or throws.
 */
export function withIsolation<T>(planOrOptions: IsolationPlan | IsolationOptions, callback: (context: StepContext) => T, planContext?: PlanContext): T {
  const window = enterIsolation(planOrOptions, planContext)
  let failure: unknown
  try {
    return callback(window.context)
  } catch (error) {
    failure = error
    throw error
  } finally {
    window.restore(failure)
  }
}

/** An open isolation window: the calling thread is in the fresh namespaces until restore(). */
export interface IsolationWindow {
  readonly context: StepContext
  /**
   * Puts the thread back into its namespaces and cwd; idempotent. `pendingError`, the failure
   * that ends the window if any, is kept as the cause should restoring fail too.
   */
  restore(pendingError?: unknown): void
}

/**
 * Moves the calling thread into fresh namespaces made by `plan` and runs its steps, for code that
 * cannot put its work into one callback (a test environment's setup and teardown). Prefer
 * withIsolation(): between enter and restore, everything the thread does happens inside, and an
 * `await` in between lets unrelated callbacks run inside too. If a step fails, the thread is
 * restored before the error is thrown.
 */
export function enterIsolation(planOrOptions: IsolationPlan | IsolationOptions, planContext?: PlanContext): IsolationWindow {
  const plan = isPlan(planOrOptions) ? planOrOptions : createPlan(planOrOptions, planContext)
  assertLinux()
  const context: StepContext = Object.freeze({ workerId: plan.workerId, kinds: plan.kinds, hostname: hostnameOf(plan) })
  const saved = saveThreadState(plan.kinds)
  try {
    assertOwnedNamespaces(saved.namespaces)
  } catch (error) {
    restoreThreadState({ namespaces: [], cwd: saved.cwd, close: saved.namespaces.map((n) => n.fd) })
    throw error
  }
  let restored = false
  let entered = false
  const restore = (pendingError?: unknown) => {
    if (restored) return
    restored = true
    // A failed unshare() changed nothing (it is all or nothing), and setns() would need the very
    // privilege that was missing: then only the descriptors are closed.
    restoreThreadState(entered ? saved : { namespaces: [], cwd: saved.cwd, close: saved.namespaces.map((n) => n.fd) }, pendingError)
  }
  try {
    if (plan.kinds.includes('mnt')) noteFsContextUnshared()
    if (plan.kinds.length > 0) unshare(cloneFlags(plan.kinds), `unshare(${plan.kinds.map((k) => NAMESPACE_KINDS[k].flagName).join('|')})`)
    entered = true
    runSteps(plan, context)
  } catch (error) {
    restore(error)
    throw error
  }
  return Object.freeze({ context, restore })
}

export function isPlan(value: unknown): value is IsolationPlan {
  return typeof value === 'object' && value !== null && Array.isArray((value as IsolationPlan).kinds) && Array.isArray((value as IsolationPlan).steps)
}

/** Opens the thread's namespaces of `kinds` (those its children get) and its cwd, close-on-exec. */
export function saveThreadState(kinds: readonly NamespaceKind[]): SavedThreadState {
  const opened: Array<{ kind: NamespaceKind; fd: number }> = []
  try {
    for (const kind of kinds) opened.push({ kind, fd: openFd(`/proc/thread-self/ns/${NAMESPACE_KINDS[kind].forChildren}`) })
    return { namespaces: opened, cwd: openFd('.', O.O_RDONLY | O.O_DIRECTORY) }
  } catch (error) {
    for (const { fd } of opened) closeFd(fd)
    throw error
  }
}

/**
 * Puts the thread back into its saved namespaces and cwd and closes the descriptors. setns() into a
 * mount namespace resets the cwd to that namespace's root (setns(2)), hence the fchdir() after it.
 */
export function restoreThreadState(saved: SavedThreadState, pendingError?: unknown): void {
  const problems: unknown[] = []
  const attempt = (action: () => void) => {
    try {
      action()
    } catch (error) {
      problems.push(error)
    }
  }
  for (const { kind, fd } of saved.namespaces) attempt(() => setns(fd, NAMESPACE_KINDS[kind].flag, `setns(${NAMESPACE_KINDS[kind].flagName}) back to the original namespace`))
  attempt(() => fchdir(saved.cwd))
  for (const fd of [...saved.namespaces.map((n) => n.fd), ...(saved.close ?? []), saved.cwd]) attempt(() => closeFd(fd))
  if (problems.length === 0) return
  const first = problems[0]
  const detail = isIsolaneError(first) || first instanceof Error ? first.message : String(first)
  throw new IsolaneError(
    'ISOLANE_RESTORE_FAILED',
    `isolane could not put the calling thread back into its own namespaces after an isolation window (${detail}). The process is now in an unknown state and should exit. This is a bug in isolane: please report it.`,
    { cause: pendingError === undefined ? first : new AggregateError([pendingError, ...problems], 'window and restore both failed') },
  )
}
