// Keeping a namespace alive after its last process ends, as `ip netns add` and `unshare --net=FILE`
// do: a bind mount of its /proc/PID/ns file holds a reference (namespaces(7)).
import { closeSync, existsSync, openSync, rmSync } from 'node:fs'
import { namespaceId, namespacePath, type NamespaceTarget } from './inspect.js'
import type { NamespaceKind } from './kinds.js'
import { MS } from './libc/constants.js'
import { mount, umount } from './libc/syscalls.js'
import { checkNamespaceKind } from './plan-validation.js'
import { assertLinux } from './platform.js'

export interface KeptNamespace {
  readonly kind: NamespaceKind
  readonly id: number
  /** The file that now names the namespace: open it and pass it to setns(), or to `withNamespacesOf`. */
  readonly path: string
  /** Unmounts the file (and removes it, if isolane created it); the namespace goes when unused. */
  release(): void
}

/**
 * Bind-mounts `target`'s namespace of `kind` onto `path` (a file, created if missing). A mount
 * namespace can be kept only from an older mount namespace than itself (the kernel refuses loops).
 */
export function keepNamespace(target: NamespaceTarget, kind: NamespaceKind, path: string): KeptNamespace {
  assertLinux()
  checkNamespaceKind(kind, 'one')
  const id = namespaceId(target, kind)
  const created = !existsSync(path)
  if (created) closeSync(openSync(path, 'wx', 0o444))
  try {
    mount(namespacePath(target, kind), path, null, MS.MS_BIND)
  } catch (error) {
    if (created) rmSync(path, { force: true })
    throw error
  }
  let released = false
  return Object.freeze({
    kind,
    id,
    path,
    release() {
      if (released) return
      releaseNamespace(path)
      if (created) rmSync(path, { force: true })
      released = true
    },
  })
}

/** Undoes keepNamespace() for a path kept earlier, by this or another process. */
export function releaseNamespace(path: string): void {
  assertLinux()
  umount(path)
}
