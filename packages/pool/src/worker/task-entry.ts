// Runs inside every pool worker, loaded by tinypool's process entry as the pool's `filename`.
// It imports the user's worker module when a task needs it, so that a module that fails to load
// fails that task with its error (tinypool would lose a worker that fails before it is ready),
// and it sends errors back with their code, properties and cause.
// An ES module (bundled into one by scripts/build.js): tinypool import()s it, and a CommonJS file
// imported so goes through Node's CommonJS lexer, whose compilation by V8 then cost every worker
// about 35 ms of CPU in V8's compiler threads (measured: mocha --parallel's workers never run it).
import { createRequire } from 'node:module'
import { isKick, isTaskEnvelope, RESULT_KEY, type LeftProcess, type ResultEnvelope, type ResultMessage, type TaskEnvelope } from '../shared/protocol.js'
import { serializeTaskError } from '../shared/serialize-error.js'

// Core's worker part, one CommonJS file: required, for the same reason.
const { adoptOrphans, internalError, prepareRenewal, renewIsolation, stopLeftovers, taskNotices } = createRequire(import.meta.url)('@isolane/core/worker') as typeof import('@isolane/core/worker')

type Handler = (task: unknown) => unknown

/**
 * The renewal for the next task, made right after a task's answer is on its way (tinypool sends it
 * once this module's promise settles: the renewal runs in the turn after), while the host takes
 * the answer and sends the next task, off that task's path; or at the latest when the next task
 * begins. One that fails fails the next task, with its error; after the worker's last task none comes.
 */
class NextRenewal {
  #pending: NodeJS.Immediate | undefined
  #failure: { error: unknown } | undefined

  schedule(): void {
    this.#pending ??= setImmediate(() => this.#run())
  }

  /** Before a task: the renewal made (now, if it has not run yet), or its error thrown. */
  finish(): void {
    if (this.#pending !== undefined) {
      clearImmediate(this.#pending)
      this.#run()
    }
    const failure = this.#failure
    this.#failure = undefined
    if (failure) throw failure.error
  }

  #run(): void {
    this.#pending = undefined
    try {
      renewIsolation()
    } catch (error) {
      this.#failure = { error }
    }
  }
}

const handlers = new Map<string, Promise<Handler>>()
// The plan to renew with, if the pool renews its workers: taken out of the environment at once.
prepareRenewal()
const renewal = new NextRenewal()
// The file the pool reads what a task recorded from if the worker dies (recordProgress()); taken out of the environment at once.
const notices = taskNotices()

export default async function runTask(envelope: unknown): Promise<unknown> {
  if (!isTaskEnvelope(envelope)) throw carrier(internalError('@isolane/pool worker received a task without its envelope'))
  if (isKick(envelope)) return null
  // The next task must not meet what the last one left: fresh net, uts, ipc, empty /tmp.
  renewal.finish()
  notices?.begin(envelope.id)
  if (envelope.stopLeftovers) adoptOrphans()
  try {
    let handler: Handler
    try {
      handler = await handlerOf(envelope)
    } catch (error) {
      throw carrier(error, leftBehind(envelope))
    }
    let value: unknown
    try {
      value = await handler(envelope.task)
    } catch (error) {
      throw carrier(error, leftBehind(envelope))
    }
    const left = leftBehind(envelope)
    // The value straight to the host, then tinypool's answer after it on the same channel (ResultEnvelope).
    const message: ResultMessage = { [RESULT_KEY]: envelope.id, value }
    process.send?.(message)
    const result: ResultEnvelope = { __isolane_result__: true, left }
    return result
  } finally {
    if (envelope.renew) renewal.schedule()
  }
}


/** What the task left running, stopped now (unless the pool keeps it). */
function leftBehind(envelope: TaskEnvelope): LeftProcess[] {
  return envelope.stopLeftovers ? stopLeftovers() : []
}

/**
 * tinypool's process entry (host/tinypool-internals.ts) sends a failed task's error as
 * `{ ...error, name, stack, message }` (and anything that is not an Error as a string), so the
 * serialized form travels as own properties of an Error; the host rebuilds the original error from them.
 */
function carrier(error: unknown, left: readonly LeftProcess[] = []): Error {
  return Object.assign(new Error('isolane task error'), serializeTaskError(error), left.length > 0 ? { left } : {})
}

function handlerOf({ href, name }: TaskEnvelope): Promise<Handler> {
  const key = `${href}#${name}`
  let handler = handlers.get(key)
  if (!handler) {
    handler = load(href, name)
    handlers.set(key, handler)
    handler.catch(() => handlers.delete(key))
  }
  return handler
}

async function load(href: string, name: string): Promise<Handler> {
  const module = (await import(href)) as Record<string, unknown>
  // As tinypool: the named export, or a default export that is the function (or holds it).
  const exported = module[name]
  const fromDefault = name !== 'default' && isObject(module.default) ? (module.default as Record<string, unknown>)[name] : undefined
  const handler = typeof exported === 'function' ? exported : fromDefault
  if (typeof handler !== 'function')
    throw new TypeError(`The worker module ${displayOf(href)} has no ${name === 'default' ? 'default export' : `export "${name}"`} that is a function. To fix: export the task function (\`export default async function (task) { ... }\`).`)
  return handler as Handler
}

function isObject(value: unknown): value is object {
  return (typeof value === 'object' || typeof value === 'function') && value !== null
}

function displayOf(href: string): string {
  return href.startsWith('file:') ? decodeURIComponent(new URL(href).pathname) : href.slice(0, 80)
}

