// The libc functions isolane calls, declared once with their C names and signatures.
// Internal: everything else goes through ./syscalls.ts, which turns failures into errors.
import { createRequire } from 'node:module'
import type * as Koffi from 'koffi'

type KoffiModule = typeof Koffi
type Fn = (...args: any[]) => any

export interface Libc {
  readonly koffi: KoffiModule
  unshare: Fn
  setns: Fn
  mount: Fn
  umount2: Fn
  sethostname: Fn
  gethostname: Fn
  open: Fn
  close: Fn
  fchdir: Fn
  socket: Fn
  ioctl: Fn
  fcntl: Fn
  capset: Fn
  capget: Fn
  prctl: Fn
  execvp: Fn
  errno: () => number
}

let libc: Libc | undefined

/** Loads libc through koffi on first use, so that importing isolane costs nothing until it acts. */
export function loadLibc(): Libc {
  if (libc) return libc
  const require = createRequire(import.meta.url)
  const koffi = require('koffi') as KoffiModule
  const lib = koffi.load('libc.so.6')
  libc = {
    koffi,
    unshare: lib.func('int unshare(int flags)'),
    setns: lib.func('int setns(int fd, int nstype)'),
    mount: lib.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
    umount2: lib.func('int umount2(const char *target, int flags)'),
    sethostname: lib.func('int sethostname(const char *name, size_t len)'),
    gethostname: lib.func('int gethostname(_Out_ uint8_t *name, size_t len)'),
    open: lib.func('int open(const char *path, int flags, ...)'),
    close: lib.func('int close(int fd)'),
    fchdir: lib.func('int fchdir(int fd)'),
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    ioctl: lib.func('int ioctl(int fd, unsigned long request, ...)'),
    fcntl: lib.func('int fcntl(int fd, int cmd, ...)'),
    capset: lib.func('int capset(uint8_t *header, uint8_t *data)'),
    capget: lib.func('int capget(uint8_t *header, _Inout_ uint8_t *data)'),
    prctl: lib.func('int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)'),
    execvp: lib.func('int execvp(const char *file, const char **argv)'),
    errno: () => koffi.errno(),
  }
  return libc
}
