// Errors cross the process boundary as plain data: name, message, stack, code, other plain
// properties and the cause chain (execa keeps `cause` the same way). The host turns them back into
// errors (host/task-errors.ts). Used in the worker and by the host's stand-in workers.
import type { SerializedTaskError } from './protocol.js'

const MAX_CAUSE_DEPTH = 8

export function serializeTaskError(error: unknown, depth = 0): SerializedTaskError {
  if (!(error instanceof Error) && !looksLikeError(error))
    return { __isolane_error__: true, name: 'Error', message: `a non-error value was thrown: ${describeThrown(error)}` }
  const source = error as Error & Record<string, unknown>
  const props: Record<string, unknown> = {}
  for (const key of Object.keys(source)) {
    if (key === 'cause' || key === 'name' || key === 'message' || key === 'stack') continue
    const value = plainCopy(source[key])
    if (value !== undefined) props[key] = value
  }
  const out: { -readonly [K in keyof SerializedTaskError]: SerializedTaskError[K] } = {
    __isolane_error__: true,
    name: String(source.name ?? 'Error'),
    message: String(source.message ?? ''),
  }
  if (typeof source.stack === 'string') out.stack = source.stack
  if (typeof source.code === 'string') out.code = source.code
  if (Object.keys(props).length > 0) out.props = props
  if (source.cause !== undefined && depth < MAX_CAUSE_DEPTH)
    out.cause = source.cause instanceof Error || looksLikeError(source.cause) ? serializeTaskError(source.cause, depth + 1) : { value: plainCopy(source.cause) ?? describeThrown(source.cause) }
  return out
}

function looksLikeError(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as Error).message === 'string' && typeof (value as Error).name === 'string'
}

/** A JSON copy of the value (what the IPC channel would keep), or undefined if it has none. */
function plainCopy(value: unknown): unknown {
  if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') return undefined
  try {
    const text = JSON.stringify(value)
    return text === undefined ? undefined : JSON.parse(text)
  } catch {
    return undefined
  }
}

function describeThrown(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}
