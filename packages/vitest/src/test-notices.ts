// Where the agent in a worker writes what it tells of the worker's tests (TestNotice): a file the
// pool opens for each worker and removes at once (nothing is left behind, whatever ends the run),
// inherited by the worker as NOTICE_FD. The worker appends a line of JSON a notice, a write(2) and
// no more; the pool reads them only when the worker dies, so a run whose workers live pays nothing
// on its side. (As IPC messages, a notice a test cost about 65 us of CPU between the two processes,
// 13% of a run of 6,000 tiny tests.)
import { closeSync, fstatSync, ftruncateSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestNotice } from './agent-protocol.js'

/** The worker's descriptor for the file: the fifth of its stdio, after stdin, stdout, stderr and the IPC channel. */
export const NOTICE_FD = 4

export class NoticeFile {
  readonly fd: number

  private constructor(fd: number) {
    this.fd = fd
  }

  /** A new, empty file, already removed from its directory. */
  static open(): NoticeFile {
    const directory = mkdtempSync(join(tmpdir(), 'isolane-notices-'))
    const path = join(directory, 'notices')
    const fd = openSync(path, 'a+', 0o600)
    unlinkSync(path)
    rmdirSync(directory)
    return new NoticeFile(fd)
  }

  /** A file begins in the worker: what it wrote of the files before no longer matters. */
  clear(): void {
    ftruncateSync(this.fd, 0)
  }

  /** The notices written since the last clear(), in order (a line cut short by the worker's death is left out). */
  read(): TestNotice[] {
    const buffer = Buffer.alloc(fstatSync(this.fd).size)
    let length = 0
    while (length < buffer.length) {
      const read = readSync(this.fd, buffer, length, buffer.length - length, length)
      if (read === 0) break
      length += read
    }
    return buffer
      .subarray(0, length)
      .toString('utf8')
      .split('\n')
      .flatMap((line) => {
        try {
          return line === '' ? [] : [JSON.parse(line) as TestNotice]
        } catch {
          return []
        }
      })
  }

  close(): void {
    closeSync(this.fd)
  }
}
