// Typed wrappers over ./_ffi.ts: each reads errno right after a failed call and throws.
import { syscallError } from '../errors.js'
import { loadLibc } from './_ffi.js'
import { AF_INET, IFF_RUNNING, IFF_UP, IFNAMSIZ, IFREQ_SIZE, MNT_DETACH, O, SIOCGIFFLAGS, SIOCSIFFLAGS, SOCK_CLOEXEC, SOCK_DGRAM } from './constants.js'

interface CallDetail {
  /** How the call is named in messages, when the bare name says too little: `unshare(CLONE_NEWNET)`. */
  call?: string
  path?: string
  dest?: string
}

function check(result: number, syscall: string, detail: CallDetail = {}): number {
  if (result === -1) throw syscallError(syscall, loadLibc().errno(), detail)
  return result
}

export function unshare(flags: number, call?: string): void {
  check(loadLibc().unshare(flags), 'unshare', { call })
}

export function setns(fd: number, nstype: number, call?: string): void {
  check(loadLibc().setns(fd, nstype), 'setns', { call })
}

export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null = null): void {
  check(loadLibc().mount(source, target, fstype, flags, data), 'mount', { path: target, call: `mount(${fstype ?? source ?? 'none'} on ${target})` })
}

export function umount(target: string, flags = MNT_DETACH): void {
  check(loadLibc().umount2(target, flags), 'umount2', { path: target })
}

export function sethostname(name: string): void {
  const bytes = Buffer.byteLength(name)
  check(loadLibc().sethostname(name, bytes), 'sethostname')
}

export function gethostname(): string {
  const buf = Buffer.alloc(256)
  check(loadLibc().gethostname(buf, buf.length), 'gethostname')
  const end = buf.indexOf(0)
  return buf.subarray(0, end === -1 ? buf.length : end).toString()
}

/** open(2) with O_CLOEXEC always: no descriptor of isolane's may leak into a child. */
export function openFd(path: string, flags: number = O.O_RDONLY): number {
  return check(loadLibc().open(path, flags | O.O_CLOEXEC), 'open', { path })
}

export function closeFd(fd: number): void {
  check(loadLibc().close(fd), 'close')
}

export function fchdir(fd: number): void {
  check(loadLibc().fchdir(fd), 'fchdir')
}

/** An ioctl(2) without argument that returns a new descriptor (ioctl_ns(2)). */
export function ioctlFd(fd: number, request: number, call: string): number {
  return check(loadLibc().ioctl(fd, request), 'ioctl', { call })
}

/** Sets IFF_UP on an interface of the calling thread's network namespace (netdevice(7)). */
export function interfaceUp(name: string): void {
  const libc = loadLibc()
  const fd = check(libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), 'socket')
  try {
    const ifreq = Buffer.alloc(IFREQ_SIZE)
    ifreq.write(name, 0, IFNAMSIZ - 1)
    check(libc.ioctl(fd, SIOCGIFFLAGS, 'uint8_t *', ifreq), 'ioctl', { call: `ioctl(SIOCGIFFLAGS, ${name})` })
    const flags = ifreq.readUInt16LE(IFNAMSIZ) | IFF_UP | IFF_RUNNING
    ifreq.writeUInt16LE(flags & 0xffff, IFNAMSIZ)
    check(libc.ioctl(fd, SIOCSIFFLAGS, 'uint8_t *', ifreq), 'ioctl', { call: `ioctl(SIOCSIFFLAGS, ${name} up)` })
  } finally {
    libc.close(fd)
  }
}
