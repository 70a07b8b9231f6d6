// unshare(CLONE_NEWNS) and setns(CLONE_NEWNS) need the calling thread to have its own filesystem
// context (cwd, root, umask), so the kernel gives it one for good (unshare(2): CLONE_NEWNS implies
// CLONE_FS). From then on process.chdir() and process.umask(mask) would change the main thread
// alone, while async fs calls on libuv's threadpool keep the old cwd and umask: relative paths
// would silently resolve differently. isolane refuses those calls instead, loudly.
import { IsolaneError } from './errors.js'

let unshared = false

/** Whether this process's main thread has left the shared filesystem context. */
export function isFsContextUnshared(): boolean {
  return unshared
}

/** Called just before the first syscall that unshares the calling thread's filesystem context. */
export function noteFsContextUnshared(): void {
  if (unshared) return
  unshared = true
  const { chdir, umask } = process
  process.chdir = function guardedChdir(directory: string): void {
    throw fsContextError('process.chdir()', directory)
  }
  process.umask = function guardedUmask(mask?: string | number): number {
    if (mask === undefined) return (umask as () => number).call(process)
    throw fsContextError("process.umask(mask)", String(mask))
  } as typeof process.umask
  Object.defineProperty(process.chdir, 'original', { value: chdir })
}

function fsContextError(call: string, argument: string): IsolaneError {
  const fix = 'change directory before the first isolated worker starts (or pass `cwd` to the child process instead)'
  return new IsolaneError(
    'ISOLANE_FS_CONTEXT_UNSHARED',
    `${call} refused (${argument}): this process made a mount namespace for a worker, so its main thread has its own cwd and umask (unshare(2), CLONE_FS) and the change would not reach libuv's threadpool, where async fs calls run. To fix: ${fix}.`,
    { hint: fix },
  )
}
