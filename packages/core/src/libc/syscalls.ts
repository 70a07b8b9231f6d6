// Typed wrappers over ./declarations.ts: each reads errno right after a failed call and throws.
import { syscallError } from '../errors.js'
import { loadLibc } from './declarations.js'
import { AF_INET, CAP_DATA_SIZE, CAP_HEADER_SIZE, F_GETFD, F_GETFL, F_SETFD, F_SETFL, IFF_RUNNING, LINUX_CAPABILITY_VERSION_3, O_NONBLOCK, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, PR_SET_CHILD_SUBREAPER, IFF_UP, IFNAMSIZ, IFREQ_SIZE, MNT_DETACH, O, SIOCGIFFLAGS, SIOCSIFFLAGS, SOCK_CLOEXEC, SOCK_DGRAM, SIGINFO_SIZE, P_ALL, WEXITED, WNOHANG, WNOWAIT, ECHILD } from './constants.js'

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

/**
 * Empties the calling thread's capability sets (ambient, then effective, permitted, inheritable):
 * what the thread could do beyond its uid is gone, and nothing brings it back on execve(2) for a
 * uid other than 0 (capabilities(7)). Threads made later by this one start with none.
 */
export function dropCapabilities(): void {
  const libc = loadLibc()
  check(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), 'prctl', { call: 'prctl(PR_CAP_AMBIENT_CLEAR_ALL)' })
  const header = Buffer.alloc(CAP_HEADER_SIZE)
  header.writeUInt32LE(LINUX_CAPABILITY_VERSION_3, 0)
  check(libc.capset(header, Buffer.alloc(CAP_DATA_SIZE)), 'capset', { call: 'capset(no capabilities)' })
}

/**
 * Makes `fd` survive execve(2) as a plain blocking descriptor: Node marks its stdio close-on-exec,
 * and may have made it non-blocking, which the next program would not expect.
 */
export function inheritAsPlainFd(fd: number): void {
  const libc = loadLibc()
  const fdFlags = libc.fcntl(fd, F_GETFD)
  if (fdFlags === -1) return // not open: nothing to pass on
  check(libc.fcntl(fd, F_SETFD, 'int', 0), 'fcntl', { call: `fcntl(${fd}, F_SETFD)` })
  const statusFlags = check(libc.fcntl(fd, F_GETFL), 'fcntl', { call: `fcntl(${fd}, F_GETFL)` })
  if (statusFlags & O_NONBLOCK) check(libc.fcntl(fd, F_SETFL, 'int', statusFlags & ~O_NONBLOCK), 'fcntl', { call: `fcntl(${fd}, F_SETFL)` })
}

/** execvp(3): replaces the process with `file` (looked up on PATH). Returns only by throwing. */
export function execCommand(file: string, args: readonly string[]): never {
  loadLibc().execvp(file, [file, ...args, null])
  throw syscallError('execvp', loadLibc().errno(), { call: `execvp(${file})`, path: file })
}

/** The calling thread's capability sets as capget(2) fills them: two 32-bit words each. */
export interface CapabilitySets {
  readonly effective: readonly [number, number]
  readonly permitted: readonly [number, number]
}

function capabilityHeader(): Buffer {
  const header = Buffer.alloc(CAP_HEADER_SIZE)
  header.writeUInt32LE(LINUX_CAPABILITY_VERSION_3, 0)
  return header
}

export function getCapabilities(): CapabilitySets {
  const data = Buffer.alloc(CAP_DATA_SIZE)
  check(loadLibc().capget(capabilityHeader(), data), 'capget')
  // struct __user_cap_data_struct { effective, permitted, inheritable } x 2
  return { effective: [data.readUInt32LE(0), data.readUInt32LE(12)], permitted: [data.readUInt32LE(4), data.readUInt32LE(16)] }
}

/** Sets the calling thread's effective and permitted sets; inheritable stays empty. */
export function setCapabilities(sets: CapabilitySets): void {
  const data = Buffer.alloc(CAP_DATA_SIZE)
  data.writeUInt32LE(sets.effective[0], 0)
  data.writeUInt32LE(sets.permitted[0], 4)
  data.writeUInt32LE(sets.effective[1], 12)
  data.writeUInt32LE(sets.permitted[1], 16)
  check(loadLibc().capset(capabilityHeader(), data), 'capset')
}

/** Ambient capabilities are what execve(2) would pass on to a program run by a uid other than 0. */
export function clearAmbientCapabilities(): void {
  check(loadLibc().prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), 'prctl', { call: 'prctl(PR_CAP_AMBIENT_CLEAR_ALL)' })
}

const siginfo = Buffer.alloc(SIGINFO_SIZE)

/**
 * Whether this process has any child, living or a zombie (of any of its threads: wait(2)), by a
 * waitid() that neither blocks nor reaps. One syscall, where reading /proc/PID/task/TID/children
 * takes one read a thread (measured: 1.4 us against 0.1-0.3 ms).
 */
export function hasChildren(): boolean {
  const libc = loadLibc()
  if (libc.waitid(P_ALL, 0, siginfo, WEXITED | WNOHANG | WNOWAIT) === 0) return true
  const errno = libc.errno()
  if (errno === ECHILD) return false
  throw syscallError('waitid', errno, { call: 'waitid(P_ALL, WNOHANG|WNOWAIT)' })
}

/** Orphaned descendants of this process become its children, not init's (prctl(2)). */
export function becomeChildSubreaper(): void {
  check(loadLibc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 'prctl', { call: 'prctl(PR_SET_CHILD_SUBREAPER)' })
}
