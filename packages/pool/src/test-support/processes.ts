// What the tests look at from the outside: /proc, as the host sees it.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chooseWay, createPlan, type NamespaceKind } from '@isolane/core/internal'

export const FIXTURES = fileURLToPath(new URL('../../../../fixtures/pool/', import.meta.url))

export function fixture(name: string): string {
  return `${FIXTURES}${name}`
}

/** The namespaces of the calling (main) thread, the ones its children would get. */
export function threadNamespaces(): Record<string, string> {
  const kinds = ['net', 'mnt', 'ipc', 'uts', 'pid_for_children', 'cgroup']
  return Object.fromEntries(kinds.map((kind) => [kind, readlinkSync(`/proc/thread-self/ns/${kind}`)]))
}

export function threadCwd(): string {
  return readlinkSync('/proc/thread-self/cwd')
}

/** The pids of the live children of process `pid` (all its threads' children). */
export function childPids(pid: number = process.pid): number[] {
  const pids: number[] = []
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const text = read(`/proc/${pid}/task/${tid}/children`)
    if (text) pids.push(...text.trim().split(/\s+/).filter(Boolean).map(Number))
  }
  return pids.sort((a, b) => a - b)
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return !/^State:\s+Z/m.test(read(`/proc/${pid}/status`) ?? '')
  } catch {
    return false
  }
}

/** Pids of live processes with `marker` as an argument. */
export function processesWithArgument(marker: string): number[] {
  return allPids().filter((pid) => (read(`/proc/${pid}/cmdline`) ?? '').split('\0').includes(marker) && isAlive(pid))
}

/** Processes in any of the given namespaces (ids as `net:[4026...]`), with their parent and command line. */
export function processesInNamespaces(ids: readonly string[]): Array<{ pid: number; ppid: number; cmdline: string }> {
  const wanted = new Set(ids)
  return allPids()
    .filter((pid) => {
      for (const kind of ['net', 'mnt', 'ipc', 'uts']) {
        try {
          if (wanted.has(readlinkSync(`/proc/${pid}/ns/${kind}`))) return true
        } catch {
          // gone, or a kernel thread
        }
      }
      return false
    })
    .map((pid) => ({ pid, ppid: Number(/^PPid:\s+(\d+)/m.exec(read(`/proc/${pid}/status`) ?? '')?.[1] ?? 0), cmdline: (read(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim() }))
}

export function mountTable(): string {
  return readFileSync('/proc/self/mountinfo', 'utf8')
}

/** Whether the pool can give workers these kinds here, either way; if not, says why on the console (the test is skipped). */
export function unlessIsolationIsPossible(kinds: readonly NamespaceKind[], what: string): boolean {
  const answer = chooseWay(createPlan({ namespaces: kinds }))
  if (answer.ok) return false
  console.warn(`skipped "${what}": this machine cannot give workers ${kinds.join(', ')} namespaces (${answer.error.code}: ${answer.error.message})`)
  return true
}

/** Whether workers get their namespaces from this process's own windows (root), not through user namespaces. */
export const privileged = (() => {
  const answer = chooseWay(createPlan({}))
  return answer.ok && answer.way === 'privileged'
})()

function allPids(): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number)
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** process.kill for one real process: never 0, 1 or a negative pid (a group, init, everything). */
export function signal(pid: number | undefined, name: NodeJS.Signals): void {
  if (pid === undefined || !Number.isSafeInteger(pid) || pid <= 1) throw new Error(`refusing to signal pid ${pid}`)
  process.kill(pid, name)
}
