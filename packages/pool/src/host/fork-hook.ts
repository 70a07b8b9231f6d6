// tinypool 2.2 forks its workers with `fork` imported from node:child_process, synchronously in
// its constructor and run(), and asynchronously when it replaces a worker; it has no option to
// fork another way. So the builtin's `fork` is replaced by a function that passes every call
// through untouched, except the forks that carry an isolated pool's token in their environment
// (the pool hands tinypool that env): those go to the pool, which forks inside an isolation window.
// `syncBuiltinESMExports()` makes ESM importers such as tinypool see the replacement.
// (tinypool-internals.ts lists this among what the pool relies on of tinypool, and checks it.)
//
// The replacement stays for the life of the process once installed: a destroyed pool's tinypool
// can still fork from a promise chain, and such a fork must get a stand-in, not a plain child.
// Any fork with a token that no live pool has is such a fork.
import type { ChildProcess, ForkOptions } from 'node:child_process'
import { syncBuiltinESMExports } from 'node:module'
import { resolve } from 'node:path'
import { POOL_TOKEN_ENV } from '../shared/protocol.js'
import { childProcessModule, originalFork } from './builtin-child-process.js'
import { poolDestroyed, unexpectedFork } from './errors.js'
import { standInWorker } from './stand-in-worker.js'

/**
 * What the hook asks of a live pool. Shared by every copy of @isolane/pool in the process (two
 * versions can be installed side by side): keep this shape stable.
 */
export interface HookedPool {
  /** The script the pool's tinypool forks (its dist/entry/process.js). */
  readonly tinypoolEntry: string
  forkWorker(modulePath: string, args: readonly string[], options: ForkOptions): ChildProcess
}

interface SharedHookState {
  readonly pools: Map<string, HookedPool>
  hook: ((...args: never[]) => unknown) | undefined
}

// One registry and one hook per process, whichever copy of the package installs it: a second hook
// would take the first copy's pools for destroyed ones.
const SHARED = Symbol.for('isolane.pool.fork-hook')
const shared: SharedHookState = ((globalThis as Record<symbol, unknown>)[SHARED] as SharedHookState | undefined) ?? { pools: new Map(), hook: undefined }
;(globalThis as Record<symbol, unknown>)[SHARED] = shared

export function registerPool(token: string, pool: HookedPool): void {
  install()
  shared.pools.set(token, pool)
}

/** After this, forks with the token get a stand-in that fails its task: the pool is gone. */
export function unregisterPool(token: string): void {
  shared.pools.delete(token)
}

export function isForkHookInstalled(): boolean {
  return shared.hook !== undefined && childProcessModule.fork === shared.hook
}

function install(): void {
  if (shared.hook) return
  shared.hook = isolaneFork
  childProcessModule.fork = isolaneFork as typeof childProcessModule.fork
  syncBuiltinESMExports()
}

function isolaneFork(this: unknown, modulePath: string | URL, ...rest: unknown[]): ChildProcess {
  const args = Array.isArray(rest[0]) ? (rest[0] as string[]) : []
  const options = (Array.isArray(rest[0]) || rest[0] == null ? rest[1] : rest[0]) as ForkOptions | undefined
  const token = options?.env?.[POOL_TOKEN_ENV]
  if (typeof token !== 'string') return Reflect.apply(originalFork, this, [modulePath, ...rest]) as ChildProcess
  const pool = shared.pools.get(token)
  if (!pool) return standInWorker(poolDestroyed())
  const path = String(modulePath)
  if (resolve(path) !== pool.tinypoolEntry) throw unexpectedFork(path, pool.tinypoolEntry)
  return pool.forkWorker(path, args, options ?? {})
}
