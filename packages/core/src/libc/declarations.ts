// The libc functions isolane calls, declared once with their C names and signatures.
// Internal: everything else goes through ./syscalls.ts, which turns failures into errors.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
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
  waitid: Fn
  execvp: Fn
  errno: () => number
}

let libc: Libc | undefined

/**
 * koffi, once a process: shared by every copy of this module in it (a child's bundled preload, and
 * the core its code imports later, when a fresh /tmp may hide koffi's files from a new lookup).
 */
const LOADED_KOFFI = Symbol.for('isolane.koffi')
interface LoadedKoffi {
  readonly koffi: KoffiModule
  /** The addon's file, where known. */
  readonly addon: string | undefined
}
let addonHint: string | undefined

/**
 * The file of koffi's native addon as this process loaded it: found beside koffi (likelyAddon),
 * else by koffi's own lookup (its index picks the addon for this platform and libc, reading Node's
 * ELF header, then `require`s it: 6 ms). A child is handed it, to load it directly. Undefined
 * where koffi was not loaded from such a file.
 */
export function koffiAddonPath(): string | undefined {
  return loadKoffi().addon
}

/** Loads koffi's addon from `path` (from a parent's koffiAddonPath()) when this process first needs koffi. */
export function useKoffiAddon(path: string | undefined): void {
  addonHint = path
}

function loadKoffi(): LoadedKoffi {
  const slot = globalThis as { [LOADED_KOFFI]?: LoadedKoffi }
  if (slot[LOADED_KOFFI]) return slot[LOADED_KOFFI]
  const require = createRequire(import.meta.url)
  const home = addonHint === undefined ? koffiHome(require) : undefined
  const path = addonHint ?? (home === undefined ? undefined : likelyAddon(home))
  if (path !== undefined) {
    try {
      // The addon is koffi's whole API; koffi's index only finds it and adds deprecated aliases.
      const addon = { exports: {} as KoffiModule & { version?: string } }
      process.dlopen(addon, path)
      // An addon of another koffi (a hoisted platform package) is not taken: koffi's index refuses it too.
      if (home === undefined || addon.exports.version === koffiVersion(home)) return (slot[LOADED_KOFFI] = { koffi: addon.exports, addon: path })
    } catch {
      // Whatever happened to that file, koffi's own lookup still applies.
    }
  }
  const koffi = require('koffi') as KoffiModule
  const addon = Object.keys(require.cache).find((path) => /[\\/]koffi\.node$/.test(path))
  return (slot[LOADED_KOFFI] = { koffi, addon })
}

/**
 * Where koffi's index finds its addon first (koffi 3.3.4): in its platform package, beside koffi,
 * glibc's build unless Node runs on musl (whose loader is then mapped into this process); read
 * without koffi's lookup, which costs a process 6 ms. Undefined off Linux on x64 and arm64 (whose
 * triplets koffi names otherwise).
 */
function likelyAddon(home: string): string | undefined {
  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) return undefined
  try {
    const musl = readFileSync('/proc/self/maps', 'utf8').includes('/ld-musl-')
    return join(home, '..', '@koromix', `koffi-linux-${process.arch}`, `${musl ? 'musl' : 'linux'}_${process.arch}`, 'koffi.node')
  } catch {
    return undefined
  }
}

/** koffi's package folder, where found. */
function koffiHome(require: NodeJS.Require): string | undefined {
  try {
    return dirname(require.resolve('koffi'))
  } catch {
    return undefined
  }
}

function koffiVersion(home: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(home, 'package.json'), 'utf8')) as { version?: string }).version
  } catch {
    return undefined
  }
}

/** Loads libc through koffi on first use, so that importing isolane costs nothing until it acts. */
export function loadLibc(): Libc {
  if (libc) return libc
  const { koffi } = loadKoffi()
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
    waitid: lib.func('int waitid(int idtype, int id, _Out_ uint8_t *infop, int options)'),
    errno: () => koffi.errno(),
  }
  return libc
}
