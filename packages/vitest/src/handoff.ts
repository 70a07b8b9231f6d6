// What the pool tells the worker it forked: the environment reads it to know that the worker is
// already isolated (and how), instead of trying again from inside.
import type { NamespaceKind } from '@isolane/core'

export const HANDOFF_VARIABLE = 'ISOLANE_VITEST_WORKER'

export interface WorkerHandoff {
  readonly pool: 'isolane'
  readonly kinds: readonly NamespaceKind[]
  readonly hostname: string | undefined
  /** isolane's number for the worker (`{workerId}` in a hostname template). */
  readonly workerId: number
  /** Vitest's process, which forked the worker: a grandchild that inherits the variable ignores it. */
  readonly parentPid: number
}

/** The handoff meant for this process: the main thread of a worker the isolane pool forked. */
export function readHandoff(env: NodeJS.ProcessEnv = process.env, isMainThread = true): WorkerHandoff | undefined {
  const raw = env[HANDOFF_VARIABLE]
  if (!raw) return undefined
  try {
    const data = JSON.parse(raw) as WorkerHandoff
    return isMainThread && data.pool === 'isolane' && Array.isArray(data.kinds) && data.parentPid === process.ppid ? data : undefined
  } catch {
    return undefined
  }
}
