import { IsolaneError } from './errors.js'

export const isLinux = process.platform === 'linux'

/** Throws the one clear error for every entry point when the OS has no Linux namespaces. */
export function assertLinux(): void {
  if (!isLinux)
    throw new IsolaneError(
      'ISOLANE_NOT_LINUX',
      `isolane needs Linux namespaces, and this is ${process.platform}. To fix: run the tests on Linux (a Linux CI runner, a VM or a container), or leave isolation off on this platform.`,
      { hint: 'run on Linux' },
    )
}
