// What the pool relies on of tinypool beyond its documented API (new Tinypool(), run(), destroy(),
// recycleWorkers(), cancelPendingTasks(), queueSize and its 'error' event), in one place. Checked
// against tinypool 2.2.0 (the version package.json pins); missingTinypoolInternals() checks an
// installed copy, and test/host-seams.test.ts fails, naming the version and what is missing,
// when tinypool no longer has one of these:
// - its child_process runtime forks every worker with `fork` imported from node:child_process
//   (dist/index.js), which the fork hook replaces, and the script it forks is dist/entry/process.js;
// - the wire protocol of that script (dist/entry/process.js): the pool sends
//   `{ __tinypool_worker_message__, source: 'pool' }` and the worker answers
//   `{ ready: true, source: 'pool', __tinypool_worker_message__ }`; a task comes as
//   `{ source: 'port', taskId, ... }` and its answer is `{ source: 'port', taskId, result, error,
//   usedMemory }`, a failed task's error sent as `{ ...error, name, stack, message }` (the worker
//   entry rides its serialized error on those own properties). Stand-in workers speak it;
// - the errors it rejects tasks with, known by their text only: "Worker exited unexpectedly"
//   (a worker that exited on its own), "Terminating worker thread" (destroy()), and the name
//   "CancelError" (cancelPendingTasks()).
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** The version this file was checked against. */
export const TINYPOOL_CHECKED_VERSION = '2.2.0'

const UNEXPECTED_EXIT = 'Worker exited unexpectedly'
const TERMINATING = 'Terminating worker thread'
const CANCELLED = 'CancelError'
const MESSAGE_KEY = '__tinypool_worker_message__'

/** tinypool's error for a worker that exited without being asked to (emitted on the child, then the task's). */
export function isUnexpectedExitError(error: unknown): boolean {
  return (error as Error | null)?.message === UNEXPECTED_EXIT
}

/** tinypool's error for a task whose worker destroy() terminated. */
export function isTerminatingError(error: unknown): boolean {
  return (error as Error | null)?.message === TERMINATING
}

/** tinypool's error for a task that cancelPendingTasks() took off the queue. */
export function isCancelError(error: unknown): boolean {
  return (error as Error | null)?.name === CANCELLED
}

/** The worker's message that it loaded the pool's `filename` and takes tasks. */
export function isWorkerReadyMessage(message: unknown): boolean {
  const ready = message as { ready?: unknown; [MESSAGE_KEY]?: unknown } | null
  return ready?.ready === true && ready[MESSAGE_KEY] === true
}

/** What tinypool sends a worker: the start (source 'pool') or a task (source 'port'). */
export interface TinypoolRequest {
  readonly [MESSAGE_KEY]?: true
  readonly source?: 'pool' | 'port'
  readonly taskId?: number
}

/** A worker's answer to a request, as dist/entry/process.js sends it; `error` already serialized. For the start, undefined: it needs none. */
export function answerTo(request: TinypoolRequest, error: unknown): object | undefined {
  if (!request?.[MESSAGE_KEY]) return undefined
  if (request.source === 'pool') return { ready: true, source: 'pool', [MESSAGE_KEY]: true }
  if (request.source === 'port' && typeof request.taskId === 'number') return { source: 'port', [MESSAGE_KEY]: true, taskId: request.taskId, result: null, error, usedMemory: 0 }
  return undefined
}

/** Whether tinypool speaks to it at all (a message with its key). */
export function isTinypoolRequest(message: unknown): message is TinypoolRequest {
  return (message as TinypoolRequest | null)?.[MESSAGE_KEY] === true
}

/** The directory of the tinypool package this pool runs (the one it resolves). */
function tinypoolDir(): string {
  // Its main module is dist/index.js (its `exports` has no ./package.json).
  return dirname(dirname(realpathSync(createRequire(import.meta.url).resolve('tinypool'))))
}

let processEntry: string | undefined

/** The script tinypool's child_process runtime forks (dist/entry/process.js of our tinypool). */
export function tinypoolProcessEntry(): string {
  processEntry ??= join(tinypoolDir(), 'dist', 'entry', 'process.js')
  return processEntry
}

/**
 * What this file relies on that the tinypool in `dir` (default: the one the pool runs) lacks, one
 * line each; empty when all is there. Reads tinypool's files, loads none of them.
 */
export function missingTinypoolInternals(dir: string = tinypoolDir()): string[] {
  const missing: string[] = []
  const read = (path: string): string => (existsSync(join(dir, path)) ? readFileSync(join(dir, path), 'utf8') : '')
  const index = read('dist/index.js')
  const entry = read('dist/entry/process.js')
  if (!index) missing.push('dist/index.js')
  if (!entry) missing.push('dist/entry/process.js (the script its child_process runtime forks)')
  if (index && !/import\s*\{[^}]*\bfork\b[^}]*\}\s*from\s*["']node:child_process["']/.test(index)) missing.push("dist/index.js: `fork` imported from node:child_process (the fork hook's way in)")
  if (index && !index.includes('entry/process.js')) missing.push('dist/index.js: forks entry/process.js')
  for (const text of [UNEXPECTED_EXIT, TERMINATING, CANCELLED, MESSAGE_KEY]) if (index && !index.includes(text)) missing.push(`dist/index.js: ${JSON.stringify(text)}`)
  for (const text of [MESSAGE_KEY, 'ready: true', 'source: "pool"', 'source: "port"', 'taskId', 'usedMemory', '...error']) if (entry && !entry.includes(text)) missing.push(`dist/entry/process.js: ${JSON.stringify(text)}`)
  return missing
}

/** The version of the tinypool in `dir` (default: the one the pool runs). */
export function tinypoolVersion(dir: string = tinypoolDir()): string {
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version
}
