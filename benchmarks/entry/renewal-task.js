// The task of section 5 (entry/renewal.js): nothing, or (`leave`) leaving a file in the worker's
// /tmp, so that the next renewal finds that tmpfs used and mounts a fresh one. With `look` it also
// says whether the file was there already (left by the task before, in a worker not renewed) and
// which net namespace it ran in, for the warm-up's check.
import { existsSync, readlinkSync, writeFileSync } from 'node:fs'

const FILE = '/tmp/left-by-the-task'

export default function ({ leave = false, look = false } = {}) {
  const there = look ? existsSync(FILE) : undefined
  if (leave) writeFileSync(FILE, 'x')
  return look ? { there, net: readlinkSync('/proc/thread-self/ns/net') } : 1
}
