// What the fork hook gives tinypool instead of a child process when none may be started: the
// isolation window failed (a plugin threw, the kernel refused), or the pool is being destroyed.
// Throwing into tinypool instead would break it: some of its forks run in promise chains and
// event handlers, where an exception is lost or crashes the parent, and a worker that never
// becomes ready leaves its task queued for good. The stand-in is a worker that becomes ready,
// answers each task with the error, and exits when tinypool terminates it. No process runs.
//
// It speaks tinypool 2.2.0's child_process protocol (dist/entry/process.js) and offers the part of
// ChildProcess that tinypool's ProcessWorker uses (send, kill, pid, stdout/stderr, ref/unref).
import type { ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { serializeTaskError } from '../shared/serialize-error.js'

interface TinypoolMessage {
  readonly __tinypool_worker_message__?: true
  readonly source?: 'pool' | 'port'
  readonly taskId?: number
}

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

  send(message: TinypoolMessage): boolean {
    if (!message?.__tinypool_worker_message__ || !this.connected) return false
    if (message.source === 'pool') this.reply({ ready: true, source: 'pool', __tinypool_worker_message__: true })
    else if (message.source === 'port' && typeof message.taskId === 'number') {
      this.reply({ source: 'port', __tinypool_worker_message__: true, taskId: message.taskId, result: null, error: serializeTaskError(this.error), usedMemory: 0 })
      this.onTaskAnswered?.()
    }
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
