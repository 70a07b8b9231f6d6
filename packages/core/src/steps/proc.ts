import { MS } from '../libc/constants.js'
import { mount } from '../libc/syscalls.js'

/**
 * A procfs shows the PID namespace of the process that mounts it (proc(5)): mounted by the child,
 * PID 1 of its new namespace, it lists only that namespace's processes, and no /proc/PID/root
 * leads into the host's file system.
 */
export function mountProc(path: string): void {
  mount('proc', path, 'proc', MS.MS_NOSUID | MS.MS_NODEV | MS.MS_NOEXEC)
}
