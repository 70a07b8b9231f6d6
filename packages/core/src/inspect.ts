import { readlinkSync } from 'node:fs'
import { syscallError } from './errors.js'
import { ALL_KINDS, NAMESPACE_KINDS, type NamespaceKind } from './kinds.js'
import { assertLinux } from './platform.js'

/** A process (`pid`), one of its threads (`{ pid, tid }`), or the caller: 'self' or 'thread-self'. */
export type NamespaceTarget = number | 'self' | 'thread-self' | { pid: number; tid: number }

export type NamespaceIds = Record<NamespaceKind, number>

function nsDir(target: NamespaceTarget): string {
  if (typeof target === 'object') return `/proc/${target.pid}/task/${target.tid}/ns`
  return `/proc/${target}/ns`
}

/** The path of the file that names `target`'s namespace of `kind`. */
export function namespacePath(target: NamespaceTarget, kind: NamespaceKind): string {
  return `${nsDir(target)}/${NAMESPACE_KINDS[kind].procName}`
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
  let link: string
  try {
    link = readlinkSync(path)
  } catch (error) {
    const errno = -((error as NodeJS.ErrnoException).errno ?? -2)
    throw syscallError('open', errno, { path })
  }
  // The link reads `net:[4026531840]` (namespaces(7)).
  const match = /\[(\d+)\]$/.exec(link)
  if (!match?.[1]) throw syscallError('readlink', 22, { path })
  return Number(match[1])
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
