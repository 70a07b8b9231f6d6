// Shared by the tests: skipping with the kernel's reason, and snapshots of what must not change.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { hostname } from 'node:os'
import { expect } from 'vitest'
import { canIsolate, probe } from './probe.js'
import type { NamespaceKind } from './kinds.js'
import { namespaceIds, type NamespaceIds } from './inspect.js'

/** Undefined when every kind can be made here; otherwise the reason, printed once, to skip with. */
export function cannotIsolate(kinds: readonly NamespaceKind[]): string | undefined {
  const answer = canIsolate(kinds, probe())
  if (answer.ok) return undefined
  const reason = `skipped: ${answer.kind} namespaces cannot be created here (${answer.code}): ${answer.reason}`
  console.warn(reason)
  return reason
}

export interface ParentSnapshot {
  namespaces: NamespaceIds
  childNamespaces: Record<string, string>
  cwd: string
  threadCwd: string
  hostname: string
  fds: string[]
  mounts: string
}

/** What an isolation window must leave exactly as it found it, read for the calling thread. */
export function snapshotParent(): ParentSnapshot {
  const childNamespaces: Record<string, string> = {}
  for (const file of ['pid_for_children', 'net', 'mnt', 'uts', 'ipc', 'cgroup']) childNamespaces[file] = readlinkSync(`/proc/thread-self/ns/${file}`)
  return {
    namespaces: namespaceIds('thread-self'),
    childNamespaces,
    cwd: process.cwd(),
    threadCwd: readlinkSync('/proc/thread-self/cwd'),
    hostname: hostname(),
    fds: readdirSync('/proc/self/fd').sort(),
    mounts: hostMounts(),
  }
}

/**
 * The mount table, less the namespace files the keep tests pin at the same time from other test
 * workers: the host's mount namespace is shared with them, and their mounts come and go mid-test.
 */
function hostMounts(): string {
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
  return lines.filter((line) => !/ nsfs nsfs /.test(line) || !line.includes('/isolane-keep-')).join('\n')
}

/** process.chdir() still works: the calling thread's filesystem context is still the process's own. */
export function expectChdirWorks(): void {
  const cwd = process.cwd()
  try {
    process.chdir('/')
    expect(process.cwd()).toBe('/')
  } finally {
    process.chdir(cwd)
  }
}
