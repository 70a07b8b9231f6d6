// In-worker code: what a test file leaves running. The worker adopts every orphan of its
// descendants (a child subreaper, prctl(2)), so that a detached or double-forked process is still
// its descendant; after each file, every descendant is a leftover of that file, and is stopped.
import { readdirSync, readFileSync } from 'node:fs'
import { becomeChildSubreaper, hasChildren } from './libc/syscalls.js'

export interface LeftoverProcess {
  readonly pid: number
  /** Its command line, as `ps` would show it. */
  readonly command: string
}

/** What a run does with what a file or task left running: stop it and warn, stop it and fail, or keep it. */
export type LeftoversMode = 'stop' | 'fail' | 'keep'
export const LEFTOVERS_MODES: readonly LeftoversMode[] = ['stop', 'fail', 'keep']

/** "left 1 process running: sleep 300 (pid 41); stopped (SIGKILL)": the part after who left them. */
export function describeLeftovers(processes: ReadonlyArray<{ pid: number; command: string }>): string {
  const shown = processes.slice(0, 5).map(({ pid, command }) => `${command.length > 80 ? `${command.slice(0, 77)}...` : command} (pid ${pid})`)
  const more = processes.length > 5 ? `, and ${processes.length - 5} more` : ''
  return `left ${processes.length} process${processes.length === 1 ? '' : 'es'} running: ${shown.join(', ')}${more}; stopped (SIGKILL)`
}

let adopting = false

/** Makes this process the reaper of its descendants' orphans. Idempotent. */
export function adoptOrphans(): void {
  if (adopting) return
  becomeChildSubreaper()
  adopting = true
}

/** Signals that mean native code crashed. */
const CRASH_SIGNALS: ReadonlySet<string> = new Set(['SIGSEGV', 'SIGBUS', 'SIGABRT', 'SIGILL', 'SIGFPE'])

/** Where a signal that killed a worker likely came from, for the message that names its file. */
export function signalCause(signal: string): string {
  if (signal === 'SIGKILL') return "SIGKILL comes from outside the process: the kernel's OOM killer (see `dmesg`), or another process."
  return CRASH_SIGNALS.has(signal) ? 'That is a crash in native code (a native module, or Node itself).' : 'Another process sent it.'
}

/** Every living descendant of this process, parents before their children. */
export function descendants(pid: number = process.pid): LeftoverProcess[] {
  const found: LeftoverProcess[] = []
  const visit = (parent: number) => {
    for (const child of childrenOf(parent)) {
      const command = commandOf(child)
      if (command === undefined) continue // gone meanwhile, or a zombie
      found.push({ pid: child, command })
      visit(child)
    }
  }
  visit(pid)
  return found
}

/** Processes no leftovers check stops: those that hold a kept worker's namespaces (kept.ts). One set a process, whichever copy of this module asks. */
const EXEMPT: Set<number> = ((globalThis as { [key: symbol]: Set<number> | undefined })[Symbol.for('isolane.leftovers.exempt')] ??= new Set())

/** Leaves `pid` (and what it starts) out of every later leftovers check of this process. */
export function exemptFromLeftovers(pid: number): void {
  EXEMPT.add(pid)
}

/**
 * Stops (SIGKILL) every descendant of this process and returns what they were. Children the worker
 * itself relies on are to be left out by the caller through `keep`.
 */
export function stopLeftovers(keep: ReadonlySet<number> = new Set()): LeftoverProcess[] {
  // The common case, nothing left (no child at all: as the subreaper, the worker adopts every orphan): one syscall.
  if (!hasChildren()) return []
  const left = descendants().filter((process) => !keep.has(process.pid) && !EXEMPT.has(process.pid))
  for (const { pid } of left) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // exited meanwhile
    }
  }
  // SIGKILL takes effect when the process is next scheduled: on a busy machine, a moment later.
  // Reported as stopped only once it is (dead, or a zombie waiting to be reaped).
  const end = Date.now() + STOP_WAIT_MS
  while (left.some(({ pid }) => commandOf(pid) !== undefined) && Date.now() < end) Atomics.wait(pause, 0, 0, 5)
  return left
}

/** How long stopLeftovers() waits for the killed processes to be gone. */
const STOP_WAIT_MS = 2_000
const pause = new Int32Array(new SharedArrayBuffer(4))

function childrenOf(pid: number): number[] {
  const out: number[] = []
  let tasks: string[]
  try {
    tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)
  } catch {
    return out
  }
  for (const child of tasks) out.push(Number(child))
  // Children of the process's other threads (/proc/PID/task/TID/children is per thread).
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      if (Number(tid) === pid) continue
      for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) out.push(Number(child))
    }
  } catch {
    // gone
  }
  return out
}

/** Its command line, or undefined if it is gone or a zombie (dead, only waiting to be reaped). */
function commandOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return undefined
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
    if (argv.length > 0) return argv.join(' ')
    return `[${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}]`
  } catch {
    return undefined
  }
}
