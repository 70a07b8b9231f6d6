import { constants as osConstants } from 'node:os'
import { getSystemErrorMap } from 'node:util'
import { explainSyscallFailure, syscallMessage } from './_messages.js'

/** Codes of failures that are not a failed syscall. */
export type IsolaneErrorCode =
  | 'ISOLANE_NOT_LINUX'
  | 'ISOLANE_INVALID_OPTIONS'
  | 'ISOLANE_USERNS_FROM_NODE'
  | 'ISOLANE_NAMESPACES_NOT_OWNED'
  | 'ISOLANE_STEP_FAILED'
  | 'ISOLANE_RESTORE_FAILED'
  | 'ISOLANE_FS_CONTEXT_UNSHARED'
  | 'ISOLANE_WORKER_EXITED'
  | 'ISOLANE_INTERNAL'
  | 'ISOLANE_LAUNCHER_MISSING'
  | 'ISOLANE_USERNS_DISABLED'
  | 'ISOLANE_USERNS_RESTRICTED'
  | 'ISOLANE_USERNS_REFUSED'
  | 'ISOLANE_SECCOMP'
  | 'ISOLANE_NODE_TOO_OLD'
  | 'ISOLANE_PLUGIN_NOT_SENDABLE'
  /** The test framework installed (Vitest, Mocha) is outside the versions an adapter supports. */
  | 'ISOLANE_UNSUPPORTED_VERSION'

const BRAND = Symbol.for('isolane.error')

export interface IsolaneErrorDetails {
  /** Node's convention: the negated errno, as in `{ errno: -1, code: 'EPERM' }`. */
  errno?: number
  syscall?: string
  path?: string
  /** What the user can do about it; also the last sentence of the message. */
  hint?: string
  cause?: unknown
}

/**
 * The one error type of isolane. Where a syscall failed it looks like Node's own system errors
 * (`code: 'EPERM'`, `errno`, `syscall`, `path`); otherwise `code` is an `ISOLANE_*` code.
 * Recognise it across realms and processes with `isIsolaneError()`, not `instanceof`.
 */
export class IsolaneError extends Error {
  override name = 'IsolaneError'
  readonly code: string
  readonly errno?: number
  readonly syscall?: string
  readonly path?: string
  readonly hint?: string

  constructor(code: string, message: string, details: IsolaneErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.code = code
    if (details.errno !== undefined) this.errno = details.errno
    if (details.syscall !== undefined) this.syscall = details.syscall
    if (details.path !== undefined) this.path = details.path
    if (details.hint !== undefined) this.hint = details.hint
    Object.defineProperty(this, BRAND, { value: true })
  }

  toJSON(): SerializedIsolaneError {
    return serializeError(this)
  }
}

export function isIsolaneError(value: unknown): value is IsolaneError {
  return typeof value === 'object' && value !== null && ((value as Record<symbol, unknown>)[BRAND] === true || (value as { name?: unknown }).name === 'IsolaneError')
}

export interface SerializedIsolaneError {
  name: 'IsolaneError'
  code: string
  message: string
  stack?: string
  errno?: number
  syscall?: string
  path?: string
  hint?: string
}

/** A plain object that survives JSON, structured clone and process.send(). */
export function serializeError(error: IsolaneError): SerializedIsolaneError {
  const out: SerializedIsolaneError = { name: 'IsolaneError', code: error.code, message: error.message }
  if (error.stack !== undefined) out.stack = error.stack
  for (const key of ['errno', 'syscall', 'path', 'hint'] as const) {
    if (error[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = error[key]
  }
  return out
}

export function deserializeError(data: SerializedIsolaneError): IsolaneError {
  const error = new IsolaneError(data.code, data.message, data)
  if (data.stack !== undefined) error.stack = data.stack
  return error
}

const errnoNames = new Map<number, string>(Object.entries(osConstants.errno).map(([name, value]) => [value, name]))

export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`
}

function describeErrno(errno: number): string {
  return getSystemErrorMap().get(-errno)?.[1] ?? 'unknown error'
}

/** The error for a failed libc call, `errno` as the C library set it (positive). */
export function syscallError(syscall: string, errno: number, detail: { call?: string | undefined; path?: string | undefined } = {}): IsolaneError {
  const code = errnoName(errno)
  const call = detail.call ?? syscall
  const { why, fix } = explainSyscallFailure(syscall, code, call)
  const message = `${syscallMessage(call, code, describeErrno(errno), detail.path)}: ${why}. To fix: ${fix}.`
  return new IsolaneError(code, message, { errno: -errno, syscall, path: detail.path, hint: fix })
}

export function invalidOptions(what: string, fix: string): IsolaneError {
  return new IsolaneError('ISOLANE_INVALID_OPTIONS', `Invalid isolation options: ${what}. To fix: ${fix}.`, { hint: fix })
}

/** For conditions that cannot happen unless isolane itself is wrong. */
export function internalError(what: string, cause?: unknown): IsolaneError {
  return new IsolaneError('ISOLANE_INTERNAL', `${what}. This is a bug in isolane: please report it.`, { cause })
}
