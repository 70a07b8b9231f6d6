import { MS } from '../libc/constants.js'
import { mount } from '../libc/syscalls.js'

/** An mqueue mount shows the queues of the IPC namespace of the process that mounts it (mq_overview(7)). */
export function mountMqueue(path: string): void {
  mount('mqueue', path, 'mqueue', MS.MS_NOSUID | MS.MS_NODEV | MS.MS_NOEXEC)
}
