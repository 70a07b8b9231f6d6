import { sethostname } from '../libc/syscalls.js'

export function setHostname(hostname: string): void {
  sethostname(hostname)
}
