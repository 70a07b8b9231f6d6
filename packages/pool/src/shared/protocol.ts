// What the host side and the in-worker side of the pool agree on. Imported by both; no Node APIs.

/** Environment key that marks a fork as one of an isolane pool's (value: the pool's token). */
export const POOL_TOKEN_ENV = 'ISOLANE_POOL_TOKEN'

/** Environment key that tells a worker its isolane worker id. */
export const WORKER_ID_ENV = 'ISOLANE_WORKER_ID'

/** What the host hands tinypool for every task: the user's worker module and the user's task. */
export interface TaskEnvelope {
  readonly __isolane_task__: true
  /** The task's number in its pool: what the worker records of it (recordProgress()) carries it. */
  readonly id: number
  /** The user's worker module, as a URL (file: or data:). */
  readonly href: string
  /** The export to call; 'default' unless the pool was given a `name`. */
  readonly name: string
  readonly task: unknown
  /** Renew the worker's isolation before this task if it ran one before (the pool's renewWorkers). */
  readonly renew?: boolean
  /** Stop what the task left running after it (the pool's `leftovers` is not 'keep'). */
  readonly stopLeftovers?: boolean
}

/** The key of a message a task sends while it runs (`reportProgress()` of '@isolane/pool/worker'). */
export const PROGRESS_KEY = '__isolane_progress__'

/** What a task said about itself while it ran: the pool hands `value` to its `onProgress`. */
export interface ProgressMessage {
  readonly [PROGRESS_KEY]: true
  readonly value: unknown
}

export function isProgressMessage(message: unknown): message is ProgressMessage {
  return typeof message === 'object' && message !== null && (message as ProgressMessage)[PROGRESS_KEY] === true
}

/** A process a task left running, as the worker found it (stopped since, unless kept). */
export interface LeftProcess {
  readonly pid: number
  readonly command: string
}

/**
 * What the worker answers a task with, through tinypool: what the task left running. The task's
 * value goes beside it, in a ResultMessage sent just before on the same channel: tinypool relays
 * its answers inside the host through a MessagePort, which copies them once more (a structured
 * clone of the whole value, and its garbage), about 0.1 ms of the host's CPU for a Mocha file's result.
 */
export interface ResultEnvelope {
  readonly __isolane_result__: true
  readonly left: readonly LeftProcess[]
}

/** The key of the message that carries a task's value straight to the host (see ResultEnvelope). */
export const RESULT_KEY = '__isolane_result_value__'

export interface ResultMessage {
  /** The task's number (TaskEnvelope). */
  readonly [RESULT_KEY]: number
  readonly value: unknown
}

export function isResultMessage(message: unknown): message is ResultMessage {
  return typeof message === 'object' && message !== null && typeof (message as ResultMessage)[RESULT_KEY] === 'number'
}

export function isResultEnvelope(value: unknown): value is ResultEnvelope {
  return typeof value === 'object' && value !== null && (value as ResultEnvelope).__isolane_result__ === true
}

/**
 * A task that does nothing, run only to make tinypool add a worker for tasks left queued when a
 * worker died before it was ready (tinypool adds workers only in run() then).
 */
export interface KickEnvelope {
  readonly __isolane_task__: true
  readonly kick: true
}

/** An error as it crosses the process boundary: a plain object that JSON and structured clone keep. */
export interface SerializedTaskError {
  readonly __isolane_error__: true
  readonly name: string
  readonly message: string
  readonly stack?: string
  readonly code?: string
  /** Other enumerable own properties that survive JSON (errno, syscall, hint, ...). */
  readonly props?: Record<string, unknown>
  /** An error's cause: an error, or a plain value (JSON), or a description of one that has none. */
  readonly cause?: SerializedTaskError | { readonly value: unknown }
  /** On a task's own failure: what it left running (stopped since). */
  readonly left?: readonly LeftProcess[]
}

export function isTaskEnvelope(value: unknown): value is TaskEnvelope | KickEnvelope {
  return typeof value === 'object' && value !== null && (value as TaskEnvelope).__isolane_task__ === true
}

export function isKick(value: TaskEnvelope | KickEnvelope): value is KickEnvelope {
  return (value as KickEnvelope).kick === true
}

export function isSerializedTaskError(value: unknown): value is SerializedTaskError {
  return typeof value === 'object' && value !== null && (value as SerializedTaskError).__isolane_error__ === true
}
