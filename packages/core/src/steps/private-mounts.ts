import { MS } from '../libc/constants.js'
import { mount } from '../libc/syscalls.js'

/**
 * A fresh mount namespace starts as a copy whose mounts are usually shared with the host (systemd
 * makes / shared): without this, the next mount would propagate back (mount_namespaces(7)).
 */
export function makeMountsPrivate(): void {
  mount(null, '/', null, MS.MS_REC | MS.MS_PRIVATE)
}
