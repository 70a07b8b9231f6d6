// Entering the namespaces of another process, as nsenter(1) does, with setns(2).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { noteFsContextUnshared } from './fs-context.js'
import { childNamespaceId, namespaceId, namespacePath, type NamespaceTarget } from './inspect.js'
import { ALL_KINDS, CLONE_FS_FLAG, NAMESPACE_KINDS, type NamespaceKind } from './kinds.js'
import { closeFd, openFd, setns, unshare } from './libc/syscalls.js'
import { checkNamespaceKind, userNamespaceFromNode } from './plan-validation.js'
import { assertLinux } from './platform.js'
import { isIsolaneError } from './errors.js'
import { restoreThreadState, saveThreadState } from './window.js'

/** The kinds joined when none are named: all but user, which a threaded process cannot enter. */
export const JOINABLE_KINDS: readonly NamespaceKind[] = Object.freeze(ALL_KINDS.filter((kind) => kind !== 'user'))

/**
 * Runs `callback` with the calling thread in `target`'s namespaces of `kinds`, then restores it.
 * After setns() into a mount namespace the thread's cwd is that namespace's root.
 */
export function withNamespacesOf<T>(target: NamespaceTarget, callback: () => T, kinds: readonly NamespaceKind[] = JOINABLE_KINDS): T {
  assertLinux()
  for (const kind of kinds) {
    checkNamespaceKind(kind)
    if (kind === 'user') throw userNamespaceFromNode()
  }
  // Kinds the caller already shares are skipped: joining them changes nothing, and joining a mount
  // namespace would cost the thread its shared filesystem context for no reason.
  const needed = kinds.filter((kind) => namespaceId(target, kind) !== childNamespaceId(kind))
  const targets: Array<{ kind: NamespaceKind; fd: number }> = []
  try {
    for (const kind of needed) targets.push({ kind, fd: openFd(namespacePath(target, kind)) })
  } catch (error) {
    for (const { fd } of targets) closeFd(fd)
    throw error
  }
  const saved = saveThreadState(needed)
  let failure: unknown
  try {
    if (needed.includes('mnt')) {
      noteFsContextUnshared()
      unshare(CLONE_FS_FLAG, 'unshare(CLONE_FS)')
    }
    for (const { kind, fd } of targets) setns(fd, NAMESPACE_KINDS[kind].flag, `setns(${NAMESPACE_KINDS[kind].flagName}) into ${namespacePath(target, kind)}`)
    return callback()
  } catch (error) {
    failure = error
    throw error
  } finally {
    for (const { fd } of targets) {
      try {
        closeFd(fd)
      } catch (error) {
        if (!isIsolaneError(error)) throw error
      }
    }
    restoreThreadState(saved, failure)
  }
}

export interface SpawnInOptions extends SpawnOptions {
  /** Which of the target's namespaces to enter. Default: all but user. */
  namespaces?: readonly NamespaceKind[]
}

/** spawn() whose child starts in `target`'s namespaces. */
export function spawnInNamespacesOf(target: NamespaceTarget, command: string, args: readonly string[] = [], options: SpawnInOptions = {}): ChildProcess {
  const { namespaces, ...spawnOptions } = options
  return withNamespacesOf(target, () => spawn(command, args, spawnOptions), namespaces)
}
