// Turning what a task failed with back into errors the user can read and recognise: the worker's
// own error rebuilt, and tinypool's errors (tinypool-internals.ts) said as the pool's own.
import { asErrorCode, IsolaneError } from '@isolane/core/internal'
import { isSerializedTaskError, type SerializedTaskError } from '../shared/protocol.js'
import { poolDestroyed, workerExited, type WorkerExit } from './errors.js'
import { isCancelError, isTerminatingError } from './tinypool-internals.js'

/** What the pool knows when a task fails, to say why. */
export interface TaskFailureContext {
  /** The failed task's number (TaskEnvelope): what its worker recorded of it carries it. */
  readonly taskId: number
  /** How the worker behind tinypool's "Worker exited unexpectedly" ended (worker-health.ts). */
  exitOf(error: object): WorkerExit | undefined
  readonly destroying: boolean
  /** Why the pool last cancelled the queued tasks (only the pool cancels tasks: a CancelError is its doing). */
  readonly cancelledBecause: Error | undefined
}

/** The error a task's caller gets for what tinypool rejected it with. */
export function taskFailure(reason: unknown, context: TaskFailureContext): unknown {
  if (typeof reason === 'object' && reason !== null) {
    const exit = context.exitOf(reason)
    if (exit) return workerExited(exit, reason, context.taskId)
    if (context.destroying && isTerminatingError(reason)) return Object.assign(poolDestroyed(), { cause: reason })
    if (context.cancelledBecause && isCancelError(reason)) return context.cancelledBecause
  }
  return toTaskError(reason)
}

/** What tinypool rejected a task with, as an Error: the worker's error rebuilt, or as it came. */
export function toTaskError(reason: unknown): unknown {
  return isSerializedTaskError(reason) ? deserializeTaskError(reason) : reason
}

export function deserializeTaskError(data: SerializedTaskError): Error {
  const cause = data.cause === undefined ? undefined : '__isolane_error__' in data.cause ? deserializeTaskError(data.cause) : data.cause.value
  const props = data.props ?? {}
  if (data.name === 'IsolaneError') {
    const error = new IsolaneError(asErrorCode(data.code) ?? 'ISOLANE_INTERNAL', data.message, {
      errno: typeof props.errno === 'number' ? props.errno : undefined,
      syscall: typeof props.syscall === 'string' ? props.syscall : undefined,
      path: typeof props.path === 'string' ? props.path : undefined,
      hint: typeof props.hint === 'string' ? props.hint : undefined,
      cause,
    })
    if (data.stack !== undefined) error.stack = data.stack
    return error
  }
  const error = new Error(data.message, cause === undefined ? undefined : { cause }) as Error & Record<string, unknown>
  // Keep the worker's class name (TypeError, AssertionError, ...), as Node's own errors have it.
  Object.defineProperty(error, 'name', { value: data.name, enumerable: false, configurable: true, writable: true })
  if (data.stack !== undefined) error.stack = data.stack
  for (const [key, value] of Object.entries(props)) error[key] = value
  if (data.code !== undefined) error.code = data.code
  return error
}
