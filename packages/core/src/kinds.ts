import { CLONE } from './libc/constants.js'

/** The seven namespace kinds of namespaces(7), as data. */
export type NamespaceKind = 'cgroup' | 'ipc' | 'mnt' | 'net' | 'pid' | 'user' | 'uts'

export interface NamespaceKindInfo {
  readonly kind: NamespaceKind
  /** The CLONE_NEW* flag for unshare(2), clone(2) and setns(2). */
  readonly flag: number
  readonly flagName: string
  /** The file under /proc/PID/ns/ that names the process's namespace of this kind. */
  readonly procName: string
  /**
   * The file under /proc/thread-self/ns/ that a child will inherit. Differs from procName only
   * for pid: unshare(CLONE_NEWPID) moves the *children* (pid_namespaces(7)).
   */
  readonly forChildren: string
  /** What messages call it: "a fresh network namespace". */
  readonly noun: string
  readonly isolates: string
}

const info = (kind: NamespaceKind, flagName: keyof typeof CLONE, noun: string, isolates: string, forChildren: string = kind): NamespaceKindInfo =>
  Object.freeze({ kind, flag: CLONE[flagName], flagName, procName: kind, forChildren, noun, isolates })

export const NAMESPACE_KINDS: Readonly<Record<NamespaceKind, NamespaceKindInfo>> = Object.freeze({
  cgroup: info('cgroup', 'CLONE_NEWCGROUP', 'cgroup', 'the view of the cgroup hierarchy (/proc/self/cgroup)'),
  ipc: info('ipc', 'CLONE_NEWIPC', 'IPC', 'System V IPC objects and POSIX message queues'),
  mnt: info('mnt', 'CLONE_NEWNS', 'mount', 'the mount table: what /tmp, /dev/shm and every other path resolve to'),
  net: info('net', 'CLONE_NEWNET', 'network', 'network devices, addresses, ports, routes, firewall rules; a fresh one has only lo'),
  pid: info('pid', 'CLONE_NEWPID', 'PID', 'process ids: the first child becomes PID 1 and reaps the rest', 'pid_for_children'),
  user: info('user', 'CLONE_NEWUSER', 'user', 'user and group ids and capabilities'),
  uts: info('uts', 'CLONE_NEWUTS', 'UTS', 'the hostname and NIS domain name'),
})

/** unshare(CLONE_FS): the thread gets its own cwd, root and umask; setns(CLONE_NEWNS) needs it. */
export const CLONE_FS_FLAG = CLONE.CLONE_FS

export const ALL_KINDS: readonly NamespaceKind[] = Object.freeze(Object.keys(NAMESPACE_KINDS) as NamespaceKind[])

/** What isolane isolates when nothing is said: every worker gets its own loopback, /tmp, IPC and hostname. */
export const DEFAULT_KINDS: readonly NamespaceKind[] = Object.freeze(['net', 'mnt', 'ipc', 'uts'] as NamespaceKind[])

export function isNamespaceKind(value: unknown): value is NamespaceKind {
  return typeof value === 'string' && Object.hasOwn(NAMESPACE_KINDS, value)
}

/** The CLONE_NEW* flags of the given kinds, or-ed together. */
export function cloneFlags(kinds: Iterable<NamespaceKind>): number {
  let flags = 0
  for (const kind of kinds) flags |= NAMESPACE_KINDS[kind].flag
  return flags
}
