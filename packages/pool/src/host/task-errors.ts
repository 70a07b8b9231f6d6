// Turning what a task failed with back into errors the user can read and recognise.
import { IsolaneError } from '@isolane/core/internal'
import { isSerializedTaskError, type SerializedTaskError } from '../shared/protocol.js'

/** What tinypool rejected a task with, as an Error: the worker's error rebuilt, or as it came. */
export function toTaskError(reason: unknown): unknown {
  return isSerializedTaskError(reason) ? deserializeTaskError(reason) : reason
}

export function deserializeTaskError(data: SerializedTaskError): Error {
  const cause = data.cause === undefined ? undefined : '__isolane_error__' in data.cause ? deserializeTaskError(data.cause) : data.cause.value
  const props = data.props ?? {}
  if (data.name === 'IsolaneError') {
    const error = new IsolaneError(data.code ?? 'ISOLANE_INTERNAL', data.message, {
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
