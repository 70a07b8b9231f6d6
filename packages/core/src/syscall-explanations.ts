// Every message isolane shows about a failed syscall is explained here: what failed, why, what to do.
import { readFileSync } from 'node:fs'

const ROOT_FIX = 'run as root, or give the process CAP_SYS_ADMIN; without privilege, start the child in a user namespace of its own instead (`forkIn()`/`spawnIn()` with the way `chooseWay()` finds: the pools, the adapters and `isolane run` do it by default); `isolane doctor` shows what this machine allows'

export const SECCOMP_FIX = 'start the container with `--cap-add SYS_ADMIN --security-opt seccomp=unconfined --security-opt apparmor=unconfined` (or `--privileged`)'

/** Whether an EPERM comes from a seccomp filter rather than a missing capability (proc(5): Seccomp, CapEff). */
function seccompRefuses(): boolean {
  let status: string
  try {
    status = readFileSync('/proc/self/status', 'utf8')
  } catch {
    return false
  }
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1]
  const capSysAdmin = capEff !== undefined && ((BigInt(`0x${capEff}`) >> 21n) & 1n) === 1n
  return capSysAdmin && /^Seccomp:\s*2$/m.test(status)
}

interface Explanation {
  why: string
  fix: string
}

/** The why and the fix for `syscall` failing with the errno `code`, given the call as shown. */
export function explainSyscallFailure(syscall: string, code: string, call: string): Explanation {
  const key = `${syscall}:${code}`
  switch (key) {
    case 'unshare:EPERM':
    case 'setns:EPERM':
    case 'mount:EPERM':
    case 'umount2:EPERM':
    case 'sethostname:EPERM':
      if (seccompRefuses())
        return {
          why: 'a seccomp filter refuses the call: the process has CAP_SYS_ADMIN, but runs under a filter (a default Docker container does this, even as root)',
          fix: SECCOMP_FIX,
        }
      return { why: 'the process lacks CAP_SYS_ADMIN in its user namespace', fix: ROOT_FIX }
    case 'unshare:EINVAL':
      if (call.includes('CLONE_NEWUSER'))
        return {
          why: 'a multi-threaded process (every Node process is one) cannot enter a new user namespace (unshare(2))',
          fix: 'drop the user namespace from the request and start Node itself inside one instead: `unshare --user --map-root-user node ...`',
        }
      return { why: 'the kernel does not support one of the requested namespace kinds', fix: 'check the kernel config (CONFIG_*_NS) or request fewer kinds; `isolane doctor` lists what works' }
    case 'setns:EINVAL':
      return {
        why: 'the descriptor is not a namespace of the requested kind, or the thread cannot join it (a user namespace from a threaded process; a mount namespace while the filesystem context is shared)',
        fix: 'this is probably a bug in isolane: please report it with the output of `isolane doctor`',
      }
    case 'unshare:ENOSPC':
      return {
        why: 'the per-user limit on namespaces of this kind is reached (/proc/sys/user/max_*_namespaces), or destroyed network namespaces are still being freed by the kernel',
        fix: 'raise the limit (`sysctl user.max_net_namespaces=...`), lower the number of parallel workers, or look for processes that keep namespaces alive (`isolane ns`, `lsns`)',
      }
    case 'unshare:ENOMEM':
      return { why: 'the kernel could not allocate the namespace', fix: 'lower the number of parallel workers, or free memory' }
    case 'unshare:EUSERS':
      return { why: 'user namespaces are nested too deeply (32 levels at most)', fix: 'start isolane from a less nested user namespace' }
    case 'mount:ENOENT':
      return { why: 'the mount point does not exist', fix: 'create the directory before the run, or drop it from `tmpfs`' }
    case 'mount:ENOTDIR':
      return { why: 'the mount point is not a directory', fix: 'give `tmpfs` a directory' }
    case 'mount:EINVAL':
      return { why: 'the mount was refused as invalid (propagation of a path that is not a mount point, a bind of a namespace into its own mount namespace, or an unknown option)', fix: 'check the path and the options; report it if it comes from isolane\'s defaults' }
    case 'mount:ENODEV':
      return { why: 'the file system type is not available in this kernel', fix: 'load its module, or drop the step that needs it' }
    case 'sethostname:EINVAL':
      return { why: 'the hostname is longer than 64 bytes', fix: 'use a shorter hostname template' }
    case 'umount2:EINVAL':
      return { why: 'the path is not a mount point', fix: 'check that the namespace was kept at that path, and not already released' }
    case 'umount2:EBUSY':
      return { why: 'the mount is still in use', fix: 'stop what uses it, or release it lazily (MNT_DETACH)' }
    case 'open:ENOENT':
      return { why: 'the path does not exist (a process that has already exited has no /proc/PID/ns)', fix: 'check the path or that the process is still running' }
    case 'open:EACCES':
      return { why: 'permission denied (reading another user\'s /proc/PID/ns needs ptrace access)', fix: 'run as the same user as the target process, or as root' }
    case 'ioctl:ENODEV':
      return { why: 'there is no such network interface in this namespace', fix: 'check the interface name' }
    default:
      return { why: 'the kernel refused the call', fix: 'see the man page of the call; `isolane doctor` shows what this machine allows' }
  }
}

export function syscallMessage(call: string, code: string, description: string, path: string | undefined): string {
  const target = path ? ` on ${path}` : ''
  return `${call} failed${call.includes(path ?? '\0') ? '' : target}: ${code} (${description})`
}
