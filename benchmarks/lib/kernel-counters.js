// What the kernel holds, read from /proc. Shared by the host side and entry/sustained.js.
import { readFileSync, readdirSync } from 'node:fs'

/**
 * Network namespaces the kernel still holds: the active objects of the `net_namespace` slab
 * cache in /proc/slabinfo (one `struct net` each, freed only when the asynchronous cleanup_net
 * work has run). Counts every network namespace of the machine, not only ours. null when
 * /proc/slabinfo is not readable (it needs root) or the cache is merged into another one.
 */
export function netNamespacesHeld() {
  let text
  try {
    text = readFileSync('/proc/slabinfo', 'utf8')
  } catch {
    return null
  }
  const line = text.split('\n').find((l) => l.startsWith('net_namespace '))
  if (!line) return null
  const active = Number(line.split(/\s+/)[1])
  return Number.isFinite(active) ? active : null
}

/** Why netNamespacesHeld() has no answer, for the results. */
export function netNamespaceSourceNote() {
  try {
    readFileSync('/proc/slabinfo', 'utf8')
  } catch (error) {
    return `/proc/slabinfo is not readable (${error.code}): run as root to see whether network namespaces pile up`
  }
  return netNamespacesHeld() === null ? 'the kernel has no separate net_namespace slab cache (merged with another cache): no count' : 'active objects of the net_namespace slab cache in /proc/slabinfo'
}

export function openFds() {
  return readdirSync('/proc/self/fd').length
}
