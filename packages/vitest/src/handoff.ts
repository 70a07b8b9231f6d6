// What the pool tells the worker it forked: the environment reads it to know that the worker is
// already isolated (and how), instead of trying again from inside.
import type { LaunchWay, NamespaceIds, NamespaceKind } from '@isolane/core/internal'
import type { AfterFile } from './agent-protocol.js'

export const HANDOFF_VARIABLE = 'ISOLANE_VITEST_WORKER'

export interface WorkerHandoff {
  readonly pool: 'isolane'
  readonly kinds: readonly NamespaceKind[]
  readonly hostname: string | undefined
  /** isolane's number for the worker (`{workerId}` in a hostname template). */
  readonly workerId: number
  /** Vitest's process, which forked the worker: a grandchild that inherits the variable ignores it. */
  readonly parentPid: number
  /** Vitest's own namespaces, which the worker must not share (a worker in a user namespace may not read them from /proc). */
  readonly parentNamespaces: NamespaceIds
  /** How the pool made the worker's namespaces. */
  readonly way: LaunchWay
  /** Set when what tests try to reach outside the worker's network is reported (isolane({ reportNetworkAttempts })): how to allow it. */
  readonly networkHowToAllow?: string
  /** koffi's native addon as the pool's process loaded it: the worker loads it directly (~5 ms less than koffi's own lookup). */
  readonly koffiAddon?: string | undefined
  /** The descriptor of the file the agent writes its notices of the worker's tests to (core's notices.ts). */
  readonly noticeFd?: number
  /** What the agent does after each file unasked, as soon as the file finished (between-files.ts); else the pool asks. */
  readonly afterEachFile?: AfterFile
}

/** The handoff meant for this process: the main thread of a worker the isolane pool forked. */
export function readHandoff(env: NodeJS.ProcessEnv = process.env, isMainThread = true): WorkerHandoff | undefined {
  const raw = env[HANDOFF_VARIABLE]
  if (!raw) return undefined
  try {
    const data = JSON.parse(raw) as WorkerHandoff
    return isMainThread && data.pool === 'isolane' && Array.isArray(data.kinds) && isParent(data.parentPid) ? data : undefined
  } catch {
    return undefined
  }
}

/** A worker in a PID namespace of its own sees no parent (ppid 0); a grandchild always sees one. */
function isParent(pid: number): boolean {
  return process.ppid === pid || process.ppid === 0
}
