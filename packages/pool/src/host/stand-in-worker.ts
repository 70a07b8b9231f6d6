// What the fork hook gives tinypool instead of a child process when none may be started: the
// isolation window failed (a plugin threw, the kernel refused), or the pool is being destroyed.
// Throwing into tinypool instead would break it: some of its forks run in promise chains and
// event handlers, where an exception is lost or crashes the parent, and a worker that never
// becomes ready leaves its task queued for good. The stand-in is a worker that becomes ready,
// answers each task with the error, and exits when tinypool terminates it. No process runs.
//
// It speaks tinypool's child_process protocol (answerTo() of tinypool-internals.ts) and offers the
// part of ChildProcess that tinypool's ProcessWorker uses (send, kill, pid, stdout/stderr, ref/unref).
import type { ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { serializeTaskError } from '../shared/serialize-error.js'
import { answerTo, isTinypoolRequest } from './tinypool-internals.js'

class StandInWorker extends EventEmitter {
  readonly pid = undefined
  readonly stdout = null
  readonly stderr = null
  readonly stdin = null
  readonly channel = undefined
  connected = true
  killed = false
  exitCode: number | null = null
  signalCode: NodeJS.Signals | null = null

  constructor(
    private readonly error: unknown,
    private readonly onTaskAnswered: (() => void) | undefined,
  ) {
    super()
  }

  send(message: unknown): boolean {
    if (!isTinypoolRequest(message) || !this.connected) return false
    const answer = answerTo(message, serializeTaskError(this.error))
    if (answer) this.reply(answer)
    if (message.source === 'port' && answer) this.onTaskAnswered?.()
    return true
  }

  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    if (this.killed) return false
    this.killed = true
    this.connected = false
    this.signalCode = typeof signal === 'string' ? signal : 'SIGTERM'
    setImmediate(() => {
      this.emit('exit', null, this.signalCode)
      this.emit('close', null, this.signalCode)
    })
    return true
  }

  ref(): void {}
  unref(): void {}

  private reply(message: object): void {
    setImmediate(() => {
      if (this.connected) this.emit('message', message)
    })
  }
}

/**
 * A worker for tinypool that runs nothing and fails every task it is given with `error`.
 * `onTaskAnswered` lets a pool that keeps its workers (no isolateWorkers) have it replaced.
 */
export function standInWorker(error: unknown, onTaskAnswered?: () => void): ChildProcess {
  return new StandInWorker(error, onTaskAnswered) as unknown as ChildProcess
}

export function isStandInWorker(child: unknown): boolean {
  return child instanceof StandInWorker
}
