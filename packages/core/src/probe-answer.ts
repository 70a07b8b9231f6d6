// What the probe's thread (entry/probe-kinds.ts) tells probe.ts, which starts it: the answer for
// each kind, and how the thread hands it over. Apart from both, so that neither imports the other.
import type { MessagePort } from 'node:worker_threads'
import type { ErrorCode } from './errors.js'
import type { NamespaceKind } from './kinds.js'

export interface KindProbe {
  readonly kind: NamespaceKind
  readonly usable: boolean
  /** The error code when it is not: 'EPERM', 'EINVAL', 'ISOLANE_USERNS_FROM_NODE', ... */
  readonly code?: ErrorCode
  /** Why not and what to do, in a sentence or two. */
  readonly reason?: string
  /** Why not, without what to do (the refusal's own `reason`): for a message that gives its own fix. */
  readonly why?: string
}

export type ProbeAnswer = Partial<Record<NamespaceKind, KindProbe>> & { error?: string }
export interface ProbeThreadData {
  readonly port: MessagePort
  /** Set to 1 once the answer is on `port`: the caller blocks on it with Atomics.wait(). */
  readonly done: Int32Array
}
/** What the thread posts: the answer, and its own /proc/PID/task/TID, to wait for its exit. */
export interface ProbeThreadMessage {
  readonly answer: ProbeAnswer
  readonly task: string
}
