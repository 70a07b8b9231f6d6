// Keeping a failed worker's namespaces for a person to step into: `keep: 'on-failure'` in the
// adapters, then `isolane ls`, `isolane enter NAME`, `isolane rm NAME | --all`.
//
// A namespace lives while a process is in it or a bind mount of its /proc/PID/ns file holds it.
// A bind mount needs privilege in the host's mount namespace, which a normal user lacks; so what
// holds a kept worker's namespaces is a process: a `sleep infinity` the worker starts in its own
// namespaces (holdNamespaces()), left out of the leftovers a file is checked for. Stepping in is
// nsenter(1) (util-linux, as unshare(1) for starting workers): entering a user namespace takes a
// single-threaded process, which Node is not. Releasing is ending the holder: nothing remains.
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { IsolaneError } from './errors.js'
import type { NamespaceKind } from './kinds.js'
import { exemptFromLeftovers } from './leftovers.js'

/** What `isolane ls` shows of a kept worker, and what `isolane enter` needs. */
export interface KeptWorker {
  readonly name: string
  /** The process that holds the namespaces. */
  readonly pid: number
  /** The test file that failed in them. */
  readonly file: string | undefined
  readonly kinds: readonly NamespaceKind[]
  /** 'user-namespace': the namespaces are owned by a user namespace of the worker's own, entered first. */
  readonly way: 'privileged' | 'user-namespace'
  readonly hostname: string | undefined
  /** When it was kept (ISO 8601). */
  readonly keptAt: string
}

/** Kinds a holder keeps: not pid (its processes end with the worker) nor cgroup (a holder stays where it was started). */
export const KEPT_KINDS: readonly NamespaceKind[] = Object.freeze(['net', 'mnt', 'ipc', 'uts'])

/** Tells entry/exec.cjs on which fd to write the pid of the process that holds its namespaces (spawnIn's `hold`). */
export const HOLD_FD_ENV = 'ISOLANE_HOLD_NAMESPACES_FD'

/** The end-of-run list of the workers kept, with how to step in and release them; `tool` says who speaks. */
export function describeKept(workers: readonly KeptWorker[], tool: string): string {
  const files = workers.length === 1 ? 'the worker of 1 failed file' : `the workers of ${workers.length} failed files`
  const lines = workers.map((worker) => `  ${worker.name}: ${worker.file ?? ''}${worker.hostname ? `, hostname ${worker.hostname}` : ''}\n`)
  return `${tool}: kept the namespaces of ${files} (network, /tmp, hostname, IPC):\n${lines.join('')}Step in: isolane enter NAME [-- CMD] (e.g. -- ss -ltn, -- ls /tmp, -- hostname). List: isolane ls. Release: isolane rm NAME, or isolane rm --all.\n`
}

/** Where the records of kept workers are: one JSON file each, readable by `isolane ls`. */
export function keptDirectory(): string {
  const runtime = process.env.XDG_RUNTIME_DIR
  if (runtime) return join(runtime, 'isolane', 'kept')
  return process.getuid?.() === 0 ? '/run/isolane/kept' : join('/tmp', `isolane-${process.getuid?.() ?? 'user'}`, 'kept')
}

/**
 * In a worker, after its file failed: starts the process that holds the worker's namespaces after
 * it exits, and returns its pid. It is this worker's child, kept out of the leftovers check.
 */
export function holdNamespaces(): number {
  const holder = spawn('sleep', ['infinity'], { detached: true, stdio: 'ignore' })
  if (holder.pid === undefined) throw new IsolaneError('ISOLANE_KEEP_FAILED', 'Could not start the process that holds the worker\'s namespaces (`sleep infinity`). To fix: make sure coreutils\' sleep is on PATH.')
  holder.unref()
  exemptFromLeftovers(holder.pid)
  return holder.pid
}

/** Writes the record of a kept worker (a name of its own, from `name`), and returns it. */
export function recordKept(worker: Omit<KeptWorker, 'name' | 'keptAt'> & { readonly name: string }): KeptWorker {
  const directory = keptDirectory()
  mkdirSync(directory, { recursive: true, mode: 0o700 })
  const taken = new Set(readdirSync(directory).map((entry) => entry.replace(/\.json$/, '')))
  const base = worker.name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'worker'
  let name = base
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`
  const record: KeptWorker = { ...worker, name, keptAt: new Date().toISOString() }
  writeFileSync(join(directory, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 })
  return record
}

/** The kept workers of this user, each with whether its holder (so its namespaces) is still there. */
export function listKept(): Array<KeptWorker & { readonly alive: boolean }> {
  const directory = keptDirectory()
  let entries: string[]
  try {
    entries = readdirSync(directory).filter((entry) => entry.endsWith('.json')).sort()
  } catch {
    return []
  }
  return entries.flatMap((entry) => {
    try {
      const record = JSON.parse(readFileSync(join(directory, entry), 'utf8')) as KeptWorker
      return [{ ...record, alive: holds(record) }]
    } catch {
      return []
    }
  })
}

/** The kept worker named `name`; throws, listing the names there are, if none is. */
export function findKept(name: string): KeptWorker & { readonly alive: boolean } {
  const kept = listKept()
  const found = kept.find((worker) => worker.name === name)
  if (found) return found
  const names = kept.map((worker) => worker.name)
  throw new IsolaneError('ISOLANE_KEPT_NOT_FOUND', `No kept worker is named "${name}". To fix: use one of the names \`isolane ls\` shows${names.length > 0 ? ` (${names.join(', ')})` : ': there are none'}.`)
}

/** Ends the holder (its namespaces go with it, once it is gone: waited for, at most 2 s) and removes the record. */
export function releaseKept(worker: KeptWorker): void {
  if (holds(worker)) {
    try {
      process.kill(worker.pid, 'SIGKILL')
    } catch {
      // gone meanwhile
    }
    const end = Date.now() + 2_000
    while (holds(worker) && Date.now() < end) Atomics.wait(pause, 0, 0, 5)
  }
  rmSync(join(keptDirectory(), `${worker.name}.json`), { force: true })
}

const pause = new Int32Array(new SharedArrayBuffer(4))

/** The nsenter(1) command line that runs `command` in a kept worker's namespaces. */
export function enterCommand(worker: KeptWorker, command: readonly string[]): string[] {
  const kinds = worker.kinds.filter((kind) => KEPT_KINDS.includes(kind))
  const flags = kinds.map((kind) => `--${kind === 'mnt' ? 'mount' : kind}`)
  const user = worker.way === 'user-namespace' ? ['--user', '--preserve-credentials'] : []
  return ['nsenter', '--target', String(worker.pid), ...user, ...flags, '--', ...command]
}

/** Whether the record's process is still the holder it names (a pid can be reused). */
function holds(worker: KeptWorker): boolean {
  try {
    const command = readFileSync(`/proc/${worker.pid}/cmdline`, 'utf8')
    return command === 'sleep\0infinity\0'
  } catch {
    return false
  }
}
