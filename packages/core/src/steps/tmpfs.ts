import { MS } from '../libc/constants.js'
import { mount } from '../libc/syscalls.js'

/** An empty tmpfs over `path`; it disappears with the mount namespace, so nothing is left behind. */
export function mountTmpfs(path: string, data: string): void {
  mount('tmpfs', path, 'tmpfs', MS.MS_NOSUID | MS.MS_NODEV, data)
}
