import { statSync } from 'node:fs'
import { invalidOptions, syscallError } from './errors.js'
import { ALL_KINDS, NAMESPACE_KINDS, type NamespaceKind } from './kinds.js'
import { assertLinux } from './platform.js'

/**
 * A process (`pid`), one of its threads (`{ pid, tid }`), the caller ('self', 'thread-self'), or
 * namespace files by kind (`{ files: { net: '/run/netns/x' } }`, as keepNamespace() leaves them).
 */
export type NamespaceTarget = number | 'self' | 'thread-self' | { pid: number; tid: number } | { files: Partial<Record<NamespaceKind, string>> }

export type NamespaceIds = Record<NamespaceKind, number>

/** The path of the file that names `target`'s namespace of `kind`. */
export function namespacePath(target: NamespaceTarget, kind: NamespaceKind): string {
  if (typeof target !== 'object') return `/proc/${target}/ns/${NAMESPACE_KINDS[kind].procName}`
  if ('files' in target) {
    const file = target.files[kind]
    if (file === undefined) throw invalidOptions(`no ${kind} namespace file given`, `add \`${kind}\` to \`files\`, or ask for fewer kinds`)
    return file
  }
  return `/proc/${target.pid}/task/${target.tid}/ns/${NAMESPACE_KINDS[kind].procName}`
}

/** The id (inode number, as `lsns` shows it) of one namespace of a process or thread. */
export function namespaceId(target: NamespaceTarget, kind: NamespaceKind): number {
  return readNamespaceId(namespacePath(target, kind))
}

/** The id of the namespace of `kind` that a child of the calling thread would start in. */
export function childNamespaceId(kind: NamespaceKind): number {
  return readNamespaceId(`/proc/thread-self/ns/${NAMESPACE_KINDS[kind].forChildren}`)
}

function readNamespaceId(path: string): number {
  assertLinux()
  // The id is the inode number of the nsfs file (`net:[4026531840]`, namespaces(7)); stat() also
  // reads it through a bind mount made by keepNamespace(), where readlink() would not.
  try {
    return statSync(path).ino
  } catch (error) {
    const errno = -((error as NodeJS.ErrnoException).errno ?? -2)
    throw syscallError('stat', errno, { path })
  }
}

/** The ids of all seven namespaces of a process or thread. */
export function namespaceIds(target: NamespaceTarget = 'self'): NamespaceIds {
  const ids = {} as NamespaceIds
  for (const kind of ALL_KINDS) ids[kind] = namespaceId(target, kind)
  return ids
}

/** Whether two processes (or threads) are in the same namespace of `kind`. */
export function sharesNamespace(a: NamespaceTarget, b: NamespaceTarget, kind: NamespaceKind): boolean {
  return namespaceId(a, kind) === namespaceId(b, kind)
}

/** The kinds in which `a` and `b` differ. */
export function differingKinds(a: NamespaceIds, b: NamespaceIds): NamespaceKind[] {
  return ALL_KINDS.filter((kind) => a[kind] !== b[kind])
}
