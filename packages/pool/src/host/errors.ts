// Every message of the pool's own failures is built here: what failed, why, what to do.
import { describeLeftovers, IsolaneError, type IsolaneErrorCode, type TaskNotice } from '@isolane/core/internal'

/** Codes of the pool's own failures, as core's registry (ERROR_CODES) has them; core's codes pass through too. */
export type PoolErrorCode = Extract<IsolaneErrorCode, 'ISOLANE_INVALID_OPTIONS' | 'ISOLANE_WORKER_EXITED' | 'ISOLANE_WORKER_SETUP_FAILED' | 'ISOLANE_WORKER_START_FAILED' | 'ISOLANE_POOL_DESTROYED' | 'ISOLANE_LEFT_PROCESSES' | 'ISOLANE_INTERNAL'>

/** How the pool's invalid options are named, with core's invalidOptions(). */
export const POOL_OPTIONS = 'Invalid pool options'

export interface WorkerExit {
  readonly workerId: number
  readonly pid: number | undefined
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** What the worker's tasks recorded (recordProgress()) and it had not cleared: of its last task. */
  readonly notices: readonly TaskNotice[]
}

/** ISOLANE_WORKER_EXITED: how the worker ended, also as properties (no need to parse the message). */
export interface WorkerExitedError extends IsolaneError {
  readonly code: 'ISOLANE_WORKER_EXITED'
  readonly workerId: number
  readonly pid: number | undefined
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  /** What the task recorded with recordProgress() ('@isolane/pool/worker') before its worker died, in order. */
  readonly progress: readonly unknown[]
}

export function workerExited(exit: WorkerExit, cause: unknown, taskId: number): WorkerExitedError {
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`
  const fix = exit.signal === 'SIGKILL'
    ? 'look for what killed it (the kernel\'s OOM killer logs to `dmesg`; a test that kills its own process); the pool goes on with a new worker'
    : 'look at the worker\'s output above for a crash, or for code that calls process.exit() in a task; the pool goes on with a new worker'
  const error = new IsolaneError(
    'ISOLANE_WORKER_EXITED',
    `Worker ${exit.workerId}${exit.pid === undefined ? '' : ` (pid ${exit.pid})`} ${how} while it ran the task, so the task has no result. To fix: ${fix}.`,
    { hint: fix, cause },
  )
  const progress = exit.notices.flatMap((notice) => (notice.task === taskId ? [notice.value] : []))
  return Object.assign(error, { code: 'ISOLANE_WORKER_EXITED' as const, workerId: exit.workerId, pid: exit.pid, exitCode: exit.code, signal: exit.signal, progress })
}

/** ISOLANE_WORKER_SETUP_FAILED: the worker's isolation setup failed (its cause: the step's own error, naming it). */
export interface WorkerSetupFailedError extends IsolaneError {
  readonly code: 'ISOLANE_WORKER_SETUP_FAILED'
  readonly workerId: number
}

/**
 * The setup of a worker's namespaces failed (a plugin threw, the kernel refused a step): in the
 * pool's window (privileged), or in the worker before its code ran (user namespace). No task runs
 * in it; the cause, core's error, says which step failed, why, and what to do.
 */
export function workerSetupFailed(workerId: number, cause: unknown): WorkerSetupFailedError {
  const why = cause instanceof Error ? cause.message : String(cause)
  const hint = (cause as { hint?: unknown } | null)?.hint
  const error = new IsolaneError('ISOLANE_WORKER_SETUP_FAILED', `The isolation setup of worker ${workerId} failed, so the task was not run: ${why}`, { cause, hint: typeof hint === 'string' ? hint : undefined })
  return Object.assign(error, { code: 'ISOLANE_WORKER_SETUP_FAILED' as const, workerId })
}

/** ISOLANE_WORKER_START_FAILED: workers keep exiting before they are ready; the last one's exit. */
export interface WorkerStartFailedError extends IsolaneError {
  readonly code: 'ISOLANE_WORKER_START_FAILED'
  readonly attempts: number
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
}

export function workersCannotStart(attempts: number, last: WorkerExit): WorkerStartFailedError {
  const how = last.signal ? `was killed by ${last.signal}` : `exited with code ${last.code}`
  const fix = 'read the workers\' error output above (a bad `execArgv`, a failing --require or --import, a NODE_OPTIONS or `env` the workers cannot start with), fix it, and run again'
  const error = new IsolaneError(
    'ISOLANE_WORKER_START_FAILED',
    `The pool's workers exit before they are ready (${attempts} in a row; the last ${how}), so the task was not run. To fix: ${fix}.`,
    { hint: fix },
  )
  return Object.assign(error, { code: 'ISOLANE_WORKER_START_FAILED' as const, attempts, exitCode: last.code, signal: last.signal })
}

/** No way to make the namespaces the pool's plan needs works here (core's chooseWay()). */
export function cannotIsolate(kinds: readonly string[], reason: IsolaneError): IsolaneError {
  // `reason` is core's error: what failed, why, and what to do.
  return new IsolaneError(reason.code, `isolane cannot give its workers fresh ${kinds.join(', ')} namespaces here, so it started none. ${reason.message}`, { hint: reason.hint, cause: reason })
}

export function poolDestroyed(): IsolaneError {
  const fix = 'run tasks before calling destroy(), or create a new pool'
  return new IsolaneError('ISOLANE_POOL_DESTROYED', `The isolated pool was destroyed, so it runs no more tasks. To fix: ${fix}.`, { hint: fix })
}

export function unexpectedFork(modulePath: string, expected: string): IsolaneError {
  return new IsolaneError(
    'ISOLANE_INTERNAL',
    `tinypool forked ${modulePath} for an isolated pool, not the entry script isolane knows (${expected}): the installed tinypool is not the version @isolane/pool was made for (2.2.0), so its workers are not started. This is a bug in isolane: please report it.`,
  )
}

/** ISOLANE_LEFT_PROCESSES: the task left processes running, and the pool's `leftovers` is 'fail'. */
export function leftProcesses(processes: ReadonlyArray<{ pid: number; command: string }>): IsolaneError {
  const fix = 'stop what the task starts before it ends (kill the child, close the server), or set `leftovers: "stop"` to be warned only'
  return new IsolaneError('ISOLANE_LEFT_PROCESSES', `The task ${describeLeftovers(processes)}. To fix: ${fix}.`, { hint: fix })
}
