// Every message the Vitest adapter shows is built here: what failed, why, what to do.
import type { NamespaceKind } from '@isolane/core'

export const POOL_NAME = 'isolane'

export function cannotIsolateMessage(kind: NamespaceKind, reason: string): string {
  // `reason` is core's error: what failed, why, and what to do.
  return (
    `isolane pool: the test workers cannot get a fresh ${kind} namespace on this machine, so no test ran. ${reason} ` +
    "To run the tests without isolation instead, use the stock pool (`pool: 'forks'`)."
  )
}

export function fileOptionsMessage(file: string, detail: string): string {
  return `isolane: the isolation options for ${file} are invalid: ${detail}`
}

export function environmentCannotMessage(kinds: readonly NamespaceKind[], where: string): string {
  return (
    `isolane environment: ${kinds.join(', ')} cannot be isolated from inside ${where}. ` +
    'A running worker can only move its own thread into fresh net, uts and ipc namespaces: a mount namespace made there would give the thread ' +
    "its own filesystem context, apart from libuv's threadpool that runs async fs calls, and pid/cgroup only apply to new children. " +
    "To fix: use the isolane pool (`pool: isolane()` from '@isolane/vitest'), which forks every worker into all of them, " +
    'or ask the environment for net, uts and ipc only (`environmentOptions: { isolane: { namespaces: ["net", "uts", "ipc"] } }`).'
  )
}

export function environmentNote(where: string): string {
  return (
    `[isolane] ${where}: this thread gets fresh net, uts and ipc namespaces; /tmp, /dev/shm and the other mounts stay shared with the host. ` +
    "For a private /tmp use the isolane pool (`pool: isolane()`); to silence this note ask for `namespaces: ['net', 'uts', 'ipc']`."
  )
}

export function notIsolatedBug(kind: NamespaceKind, pid: number): string {
  return `isolane pool: the worker ${pid} was forked inside an isolation window but shares the ${kind} namespace of Vitest's process. This is a bug in isolane: please report it.`
}
