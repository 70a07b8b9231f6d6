// Notices: what a worker writes down as it goes, for its host to read only if the worker dies (the
// test that was running, the events of the tests before it). The host opens a file for each worker
// and removes it from its directory at once (nothing is left behind, whatever ends the run); the
// worker inherits it as NOTICE_FD and appends a line of JSON a notice, a write(2) and no more. A
// run whose workers live costs the host nothing: as IPC messages, a notice a test cost about 65 us
// of CPU between the two processes (13% of a Vitest run of 6,000 tiny tests), and isolane-mocha's
// events a test, sent as they happened, about 1 ms of CPU a spec file.
// Host side: NoticeFile. Worker side: NoticeWriter, and taskNotices() for a pool's tasks.
import { closeSync, fstatSync, ftruncateSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The worker's descriptor for the file: the fifth of its stdio, after stdin, stdout, stderr and the IPC channel. */
export const NOTICE_FD = 4

/** The environment variable that tells a pool worker its notice file is NOTICE_FD (taskNotices()). */
export const NOTICE_FD_ENV = 'ISOLANE_NOTICE_FD'

/** The host's side of a worker's notice file. Only open() throws: a run goes on without notices (tryOpen()), told with less if a worker dies. */
export class NoticeFile {
  readonly fd: number

  private constructor(fd: number) {
    this.fd = fd
  }

  /**
   * A new, empty file, already removed from its directory: in /dev/shm where it can be (a tmpfs: a
   * write there costs the worker a few microseconds, on a disk's filesystem tens), else in the
   * temporary directory.
   */
  static open(): NoticeFile {
    const directory = noticeDirectory()
    const path = join(directory, 'notices')
    const fd = openSync(path, 'a+', 0o600)
    unlinkSync(path)
    rmdirSync(directory)
    return new NoticeFile(fd)
  }

  /** open(), or undefined where no file can be made (no writable /dev/shm nor temporary directory). */
  static tryOpen(): NoticeFile | undefined {
    try {
      return NoticeFile.open()
    } catch {
      return undefined
    }
  }

  /** What the worker wrote before no longer matters. */
  clear(): void {
    try {
      ftruncateSync(this.fd, 0)
    } catch {
      // Closed already: nothing more is read from it.
    }
  }

  /** The notices written since the last clear, in order (a line cut short by the worker's death is left out). */
  read(): unknown[] {
    let buffer: Buffer
    let length = 0
    try {
      buffer = Buffer.alloc(fstatSync(this.fd).size)
      while (length < buffer.length) {
        const read = readSync(this.fd, buffer, length, buffer.length - length, length)
        if (read === 0) break
        length += read
      }
    } catch {
      return []
    }
    return buffer
      .subarray(0, length)
      .toString('utf8')
      .split('\n')
      .flatMap((line) => {
        try {
          return line === '' ? [] : [JSON.parse(line) as unknown]
        } catch {
          return []
        }
      })
  }

  close(): void {
    try {
      closeSync(this.fd)
    } catch {
      // Closed already.
    }
  }
}

/** A new directory for a notice file: under /dev/shm if it takes one, else under the temporary directory. */
function noticeDirectory(): string {
  try {
    return mkdtempSync(join(SHARED_MEMORY, 'isolane-notices-'))
  } catch {
    return mkdtempSync(join(tmpdir(), 'isolane-notices-'))
  }
}

const SHARED_MEMORY = '/dev/shm'

/** The worker's side of its notice file. Never throws: with nowhere to write, a death is told with less. */
export class NoticeWriter {
  readonly #fd: number
  /** Bytes written since the last clear. */
  #size = 0

  private constructor(fd: number) {
    this.#fd = fd
  }

  /**
   * The writer of the file inherited as `fd`, or undefined if there is none. The descriptor is
   * opened again as one the worker's own children do not inherit, and the inherited one closed.
   */
  static inherit(fd: number): NoticeWriter | undefined {
    try {
      const own = openSync(`/proc/self/fd/${fd}`, 'a')
      closeSync(fd)
      return new NoticeWriter(own)
    } catch {
      return undefined
    }
  }

  /** A notice: a line of JSON. Throws only what JSON.stringify throws (a cycle, a BigInt). */
  write(notice: unknown): void {
    const line = JSON.stringify(notice)
    try {
      this.#size += writeSync(this.#fd, `${line}\n`)
    } catch {
      // Nowhere to write: a death would be told with what the host heard otherwise.
    }
  }

  /** Bytes written since the last clear. */
  get size(): number {
    return this.#size
  }

  /** Empties the file (if anything was written since the last clear: no syscall otherwise). */
  clear(): void {
    if (this.#size === 0) return
    try {
      ftruncateSync(this.#fd, 0)
      this.#size = 0
    } catch {
      // As write().
    }
  }
}

/** A notice of a pool's task: `value` as the task recorded it, in the task the pool numbered `task`. */
export interface TaskNotice {
  readonly task: number
  readonly value: unknown
}

/** A pool worker's notices (@isolane/pool): its task entry begins each task, and the task records what it does. */
export interface TaskNotices {
  /** A task begins: its notices are told from the earlier tasks' by its number (the host keeps those of the task that failed). */
  begin(task: number): void
  /** Writes down `value` (JSON) for the task running now. */
  record(value: unknown): void
}

const TASK_NOTICES = Symbol.for('isolane.taskNotices')
/** How much of the earlier tasks' notices a pool worker's file holds at most when a task begins. */
const KEEP_BYTES = 256 * 1024

/**
 * The worker's task notices, undefined where its pool gave it no file (NOTICE_FD_ENV, taken out of
 * the environment on the first call: the worker's children must not take the descriptor for
 * theirs). One a process, whichever copy of core asks (the pool's task entry, the task's module).
 */
export function taskNotices(env: NodeJS.ProcessEnv = process.env): TaskNotices | undefined {
  const shared = globalThis as { [TASK_NOTICES]?: { notices: TaskNotices | undefined } }
  if (shared[TASK_NOTICES]) return shared[TASK_NOTICES].notices
  const fd = Number(env[NOTICE_FD_ENV])
  delete env[NOTICE_FD_ENV]
  const writer = Number.isInteger(fd) && fd > 2 ? NoticeWriter.inherit(fd) : undefined
  let current = 0
  const notices: TaskNotices | undefined = writer && {
    begin(task) {
      // The earlier tasks' notices are emptied out only once they grow: a truncation is a syscall a task.
      if (writer.size > KEEP_BYTES) writer.clear()
      current = task
    },
    record(value) {
      writer.write({ task: current, value } satisfies TaskNotice)
    },
  }
  shared[TASK_NOTICES] = { notices }
  return notices
}
