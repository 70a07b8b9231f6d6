import { mkdirSync, statSync, writeFileSync, existsSync } from 'node:fs'
import { MS, O } from '../libc/constants.js'
import { closeFd, mount, openFd } from '../libc/syscalls.js'

/**
 * Opens a bind source (O_PATH) before any tmpfs is mounted, so that a source below a path that
 * gets a fresh tmpfs (a host directory under /tmp) is still reachable through the descriptor.
 */
export function openBindSource(source: string): number {
  return openFd(source, O.O_PATH)
}

/** Bind-mounts the source held by `sourceFd` onto `target`, creating the target like the source. */
export function bindMount(sourceFd: number, target: string, readOnly: boolean): void {
  const via = `/proc/thread-self/fd/${sourceFd}`
  if (!existsSync(target)) {
    if (statSync(via).isDirectory()) mkdirSync(target, { recursive: true })
    else writeFileSync(target, '', { flag: 'a' })
  }
  mount(via, target, null, MS.MS_BIND | MS.MS_REC)
  // A read-only bind takes a second mount call (mount(2), MS_REMOUNT|MS_BIND|MS_RDONLY).
  if (readOnly) mount(null, target, null, MS_REMOUNT | MS.MS_BIND | MS_RDONLY)
}

const MS_REMOUNT = 32
const MS_RDONLY = 1

/**
 * A bind mount of `source` on `target` in the calling thread's mount namespace, for plugins (the
 * mount(8) command refuses binds to a user that is not root, even one with the capability).
 */
export function bindMountPath(source: string, target: string, readOnly = false): void {
  const fd = openBindSource(source)
  try {
    bindMount(fd, target, readOnly)
  } finally {
    closeFd(fd)
  }
}
