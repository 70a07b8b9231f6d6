// The one error type of isolane, the registry of its codes (ERROR_CODES: code -> meaning, what to do)
// and the factories shared by every package: a failed syscall as Node shows one, invalid options,
// a bug. Why a syscall failed and how to fix it is told by syscall-explanations.ts.
import { constants as osConstants } from 'node:os'
import { getSystemErrorMap } from 'node:util'
import { explainSyscallFailure, syscallMessage } from './syscall-explanations.js'

/** What a code means, and what to do about it where that does not depend on the case. */
export interface ErrorCodeMeaning {
  readonly meaning: string
  readonly fix?: string
}

/**
 * Every `ISOLANE_*` code isolane gives, the adapters' and the CLI's included: a failure that is
 * not a failed syscall. The README's list of codes is this table (tested against it); a code that
 * is not here does not compile.
 */
export const ERROR_CODES = {
  ISOLANE_NOT_LINUX: { meaning: 'namespaces are a Linux feature, and this is another platform', fix: "run on Linux (a CI runner, a VM, a container), or set `fallback: 'none'`" },
  ISOLANE_NODE_TOO_OLD: { meaning: "this Node cannot load isolane's setup into a worker before its first thread starts (that needs require() of ES modules)", fix: 'Node 20.19, 22.12 or later' },
  ISOLANE_INVALID_OPTIONS: { meaning: 'an option has a value isolane cannot use, or needs a namespace kind that was not asked for', fix: 'the message names the option and what to write instead' },
  ISOLANE_USERNS_FROM_NODE: { meaning: 'a fresh user namespace was asked for, and no multi-threaded process (every Node process) can create one (unshare(2))', fix: 'drop "user" from `namespaces`; start Node inside a user namespace instead' },
  ISOLANE_USERNS_DISABLED: { meaning: 'user namespaces are switched off (`user.max_user_namespaces=0`, or `kernel.unprivileged_userns_clone=0`)', fix: '`sudo sysctl -w user.max_user_namespaces=15000` / `sudo sysctl -w kernel.unprivileged_userns_clone=1`, or run as root' },
  ISOLANE_USERNS_RESTRICTED: { meaning: 'AppArmor denies capabilities in unprivileged user namespaces (`kernel.apparmor_restrict_unprivileged_userns=1`, Ubuntu 23.10 and later)', fix: '`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`, or run as root' },
  ISOLANE_USERNS_REFUSED: { meaning: 'the kernel refused a user namespace for another reason', fix: '`isolane doctor` shows what this machine allows; or run as root' },
  ISOLANE_SECCOMP: { meaning: 'a seccomp filter refuses the namespace calls (a default Docker container does, even as root)', fix: '`--cap-add SYS_ADMIN --security-opt seccomp=unconfined --security-opt apparmor=unconfined` (or `--privileged`)' },
  ISOLANE_LAUNCHER_MISSING: { meaning: 'util-linux (`unshare` 2.38 or later, `nsenter`), which starts workers in user namespaces and enters kept ones, is not on PATH or too old', fix: 'install util-linux, or run as root' },
  ISOLANE_NAMESPACES_NOT_OWNED: { meaning: 'this process runs in a user namespace that does not own its namespaces, so it could leave them but never return (setns(2))', fix: 'start Node in a user namespace that also owns those kinds' },
  ISOLANE_PROBE_FAILED: { meaning: 'the process that probes what this machine allows gave no answer', fix: 'run `isolane doctor` and report what it says' },
  ISOLANE_STEP_FAILED: { meaning: 'a step of the isolation setup failed: an isolation plugin threw, returned a promise, or could not be loaded', fix: 'the message names the plugin and what to fix in it' },
  ISOLANE_PLUGIN_NOT_SENDABLE: { meaning: 'an isolation plugin given as a function cannot reach a worker that sets itself up in another process', fix: "give it as a module, `{ name, module: '/abs/path/plugin.js' }`" },
  ISOLANE_FS_CONTEXT_UNSHARED: { meaning: 'process.chdir() or process.umask() after this process made a mount namespace: the change would not reach libuv\'s threadpool (CLONE_FS)', fix: 'change directory before the first isolated worker starts, or pass `cwd` to the child' },
  ISOLANE_RESTORE_FAILED: { meaning: 'the calling thread could not be put back into its own namespaces after an isolation window; the process should exit', fix: 'a bug in isolane: please report it' },
  ISOLANE_KEEP_FAILED: { meaning: "the process that holds a kept worker's namespaces could not be started", fix: "make sure coreutils' `sleep` is on PATH" },
  ISOLANE_KEPT_NOT_FOUND: { meaning: 'no kept worker has that name', fix: 'use one of the names `isolane ls` shows' },
  ISOLANE_NOT_RENEWABLE: { meaning: 'a worker was asked to renew its isolation, and it was not started renewable', fix: 'a bug in isolane: please report it' },
  ISOLANE_WORKER_EXITED: { meaning: 'a worker exited or was killed while it ran a task; the task has no result', fix: 'the message says how it ended and what to look for' },
  ISOLANE_WORKER_SETUP_FAILED: { meaning: "a worker's isolation setup failed, so no task ran in it; its cause is the failed step's error" },
  ISOLANE_WORKER_START_FAILED: { meaning: "the pool's workers keep exiting before they are ready", fix: "read the workers' error output (a bad `execArgv`, `--require`, `NODE_OPTIONS` or `env`)" },
  ISOLANE_POOL_DESTROYED: { meaning: 'a task was given to a pool that was destroyed', fix: 'run tasks before calling destroy(), or create a new pool' },
  ISOLANE_LEFT_PROCESSES: { meaning: "a task or a test file left processes running in its worker, and `leftovers` is 'fail' (a warning with 'stop')", fix: "stop what it starts before it ends, or set `leftovers: 'stop'`" },
  ISOLANE_KIND_NEEDS_POOL: { meaning: 'the Vitest environment, which moves a running worker thread, was asked for a kind only a fresh process can enter (mnt, pid, cgroup)', fix: "use the isolane pool (`pool: isolane()`), or ask the environment for net, uts and ipc only" },
  ISOLANE_UNSUPPORTED_VERSION: { meaning: "the project's Vitest or Mocha is outside the versions the adapter supports, or not installed", fix: 'install a supported version; the message names the range' },
  ISOLANE_MOCHA_USAGE: { meaning: 'isolane-mocha\'s command line or config cannot be read (an unknown or malformed `--isolane-*` flag, `--shard`, an `isolane` key of .mocharc that is not an object); a value an option cannot take is ISOLANE_INVALID_OPTIONS', fix: 'the message names the option and what to write instead' },
  ISOLANE_MOCHA_UNSUPPORTED: { meaning: 'isolane-mocha does not support that Mocha mode (`--watch`)', fix: 'run `mocha` for it, and isolane-mocha for the full run' },
  ISOLANE_MOCHA_NO_FILES: { meaning: 'the spec patterns match no test file', fix: 'check the spec patterns and the `extension` option' },
  ISOLANE_MOCHA_WORKER_EXITED: { meaning: 'the worker running a spec file died before the file finished; the other files run on', fix: 'the message says how it ended and what to look for' },
  ISOLANE_MOCHA_SETUP_FAILED: { meaning: "the isolation setup of a spec file's worker failed, so none of its tests ran" },
  ISOLANE_JEST_NOT_FOUND: { meaning: "the project's jest-runner cannot be found, which the Jest adapter's workers run each file with", fix: 'install jest in the project, version 30' },
  ISOLANE_USAGE: { meaning: 'the `isolane` command line was used wrongly', fix: '`isolane help COMMAND` shows its usage' },
  ISOLANE_INTERNAL: { meaning: 'a condition that cannot happen unless isolane itself is wrong', fix: 'a bug in isolane: please report it' },
} as const satisfies Record<`ISOLANE_${string}`, ErrorCodeMeaning>

/** Codes of failures that are not a failed syscall. */
export type IsolaneErrorCode = keyof typeof ERROR_CODES

/** The errno name of a failed syscall, as Node's system errors have it (`'EPERM'`); `E<n>` for an errno Node does not name. */
export type SyscallErrorCode = keyof typeof osConstants.errno | `E${number}`

/** The code of an IsolaneError: an `ISOLANE_*` code, or the errno name where a syscall failed. */
export type ErrorCode = IsolaneErrorCode | SyscallErrorCode

export function isIsolaneErrorCode(value: unknown): value is IsolaneErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value)
}

/** `value` as an error code, if it is one: for codes that come from another process. */
export function asErrorCode(value: unknown): ErrorCode | undefined {
  if (isIsolaneErrorCode(value)) return value
  if (typeof value === 'string' && (Object.hasOwn(osConstants.errno, value) || /^E\d+$/.test(value))) return value as SyscallErrorCode
  return undefined
}

const BRAND = Symbol.for('isolane.error')

export interface IsolaneErrorDetails {
  /** Node's convention: the negated errno, as in `{ errno: -1, code: 'EPERM' }`. */
  errno?: number
  syscall?: string
  path?: string
  /** What the user can do about it; also the last sentence of the message. */
  hint?: string
  /**
   * What failed and why, without what to do: the message up to its "To fix:" sentence, for a
   * message that builds on this one and gives a fix of its own.
   */
  reason?: string
  cause?: unknown
}

/**
 * The one error type of isolane. Where a syscall failed it looks like Node's own system errors
 * (`code: 'EPERM'`, `errno`, `syscall`, `path`); otherwise `code` is an `ISOLANE_*` code.
 * Recognise it across realms and processes with `isIsolaneError()`, not `instanceof`.
 */
export class IsolaneError extends Error {
  override name = 'IsolaneError'
  readonly code: ErrorCode
  readonly errno?: number
  readonly syscall?: string
  readonly path?: string
  readonly hint?: string
  readonly reason?: string

  constructor(code: ErrorCode, message: string, details: IsolaneErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.code = code
    if (details.errno !== undefined) this.errno = details.errno
    if (details.syscall !== undefined) this.syscall = details.syscall
    if (details.path !== undefined) this.path = details.path
    if (details.hint !== undefined) this.hint = details.hint
    if (details.reason !== undefined) this.reason = details.reason
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
  code: ErrorCode
  message: string
  stack?: string
  errno?: number
  syscall?: string
  path?: string
  hint?: string
  reason?: string
}

/** A plain object that survives JSON, structured clone and process.send(). */
export function serializeError(error: IsolaneError): SerializedIsolaneError {
  const out: SerializedIsolaneError = { name: 'IsolaneError', code: error.code, message: error.message }
  if (error.stack !== undefined) out.stack = error.stack
  for (const key of ['errno', 'syscall', 'path', 'hint', 'reason'] as const) {
    if (error[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = error[key]
  }
  return out
}

export function deserializeError(data: SerializedIsolaneError): IsolaneError {
  const error = new IsolaneError(data.code, data.message, data)
  if (data.stack !== undefined) error.stack = data.stack
  return error
}

const errnoNames = new Map<number, SyscallErrorCode>(Object.entries(osConstants.errno).map(([name, value]) => [value, name as SyscallErrorCode]))

export function errnoName(errno: number): SyscallErrorCode {
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
  const reason = `${syscallMessage(call, code, describeErrno(errno), detail.path)}: ${why}`
  return new IsolaneError(code, `${reason}. To fix: ${fix}.`, { errno: -errno, syscall, path: detail.path, hint: fix, reason })
}

/**
 * ISOLANE_INVALID_OPTIONS, the one factory for it: `what` is wrong, `fix` says what to write
 * instead. `whose` opens the message, naming the options as the user wrote them (the pool's, an
 * adapter's); isolation options by default.
 */
export function invalidOptions(what: string, fix: string, whose = 'Invalid isolation options'): IsolaneError {
  return new IsolaneError('ISOLANE_INVALID_OPTIONS', `${whose}: ${what}. To fix: ${fix}.`, { hint: fix, reason: `${whose}: ${what}` })
}

/**
 * ISOLANE_INVALID_OPTIONS for a function plugin given to workers reused across files: they renew
 * their isolation themselves, in their own process, where a function cannot be sent. `whose` as
 * for invalidOptions(); `freshWorkers`: how to ask the adapter for a fresh worker per file instead.
 */
export function functionPluginInReusedWorkers(name: string, whose: string, freshWorkers: string): IsolaneError {
  return invalidOptions(
    `isolation plugin "${name}" is a function: workers reused across files renew their isolation themselves before each file, and a function cannot be sent to them`,
    `give the plugin as a module, \`{ name: "${name}", module: "/abs/path/plugin.js" }\` exporting \`setup(context)\`, or ${freshWorkers}`,
    whose,
  )
}

/**
 * A test file's own isolation options (a docblock, a project's per-file options) refused:
 * `which` names them as the adapter reads them ("the isolation options for a.test.ts"), `cause`
 * is the refusal (core's: its code and fix are kept), `hint` what to do where the cause says nothing.
 */
export function invalidFileOptions(which: string, cause: unknown, hint?: string): IsolaneError {
  const detail = cause instanceof Error ? cause.message : String(cause)
  const own = isIsolaneError(cause) ? cause : undefined
  return new IsolaneError(own?.code ?? 'ISOLANE_INVALID_OPTIONS', `${which} are invalid: ${detail}`, { hint: hint ?? own?.hint, cause })
}

/** For conditions that cannot happen unless isolane itself is wrong. */
export function internalError(what: string, cause?: unknown): IsolaneError {
  return new IsolaneError('ISOLANE_INTERNAL', `${what}. This is a bug in isolane: please report it.`, { cause })
}
