// setns() back into a namespace needs CAP_SYS_ADMIN in the user namespace that owns it (setns(2)).
// A process started by `unshare --user --map-root-user` alone has every capability in its new user
// namespace but none over the host's network, mount, ... namespaces it still sits in: unshare()
// would succeed and the way back would be refused, leaving the thread stranded. Checked before
// the first window of each kind, so the refusal comes first and says what to do.
import { readlinkSync } from 'node:fs'
import { IsolaneError, isIsolaneError } from './errors.js'
import type { NamespaceKind } from './kinds.js'
import { NS_GET_USERNS } from './libc/constants.js'
import { closeFd, ioctlFd } from './libc/syscalls.js'

const checked = new Set<NamespaceKind>()

/** Throws unless the calling thread could return into its namespaces of `kinds` (fds of them given). */
export function assertOwnedNamespaces(saved: ReadonlyArray<{ kind: NamespaceKind; fd: number }>): void {
  const pending = saved.filter(({ kind }) => !checked.has(kind))
  if (pending.length === 0) return
  const ownUserNs = readlinkSync('/proc/thread-self/ns/user')
  const foreign: NamespaceKind[] = []
  for (const { kind, fd } of pending) {
    let ownerFd: number
    try {
      ownerFd = ioctlFd(fd, NS_GET_USERNS, `ioctl(NS_GET_USERNS) on the ${kind} namespace`)
    } catch (error) {
      // EPERM: the owner is outside the caller's user namespace, an ancestor of it (ioctl_ns(2)).
      if (isIsolaneError(error) && error.code === 'EPERM') {
        foreign.push(kind)
        continue
      }
      throw error
    }
    try {
      if (readlinkSync(`/proc/thread-self/fd/${ownerFd}`) !== ownUserNs) foreign.push(kind)
    } finally {
      closeFd(ownerFd)
    }
  }
  if (foreign.length > 0) throw notOwned(foreign)
  for (const { kind } of pending) checked.add(kind)
}

function notOwned(kinds: NamespaceKind[]): IsolaneError {
  const flags = kinds.map((kind) => LAUNCHER_FLAGS[kind]).join(' ')
  const fix = `start Node in a user namespace that also owns those kinds: \`unshare --user --map-root-user ${flags} node ...\``
  const reason = `This process runs in a user namespace that does not own its ${kinds.join(', ')} namespace${kinds.length > 1 ? 's' : ''}: isolane could leave ${kinds.length > 1 ? 'them' : 'it'} but never return (setns(2) needs CAP_SYS_ADMIN over the owner), so it refuses before changing anything`
  return new IsolaneError('ISOLANE_NAMESPACES_NOT_OWNED', `${reason}. To fix: ${fix}.`, { hint: fix, reason })
}

const LAUNCHER_FLAGS: Record<NamespaceKind, string> = {
  cgroup: '--cgroup',
  ipc: '--ipc',
  mnt: '--mount',
  net: '--net',
  pid: '--pid --fork',
  user: '--user',
  uts: '--uts',
}

