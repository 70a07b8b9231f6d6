// The task of section 5 (entry/renewal.js): nothing, or (`leave`) leaving a file in the worker's
// /tmp, so that the next renewal finds that tmpfs used and mounts a fresh one. With `look` it also
// says whether the file was there already (left by the task before, in a worker not renewed) and
// which net namespace it ran in, for the warm-up's check. With `timeRenewal` (in a renewable
// worker) it times the core's renewIsolation() itself, the call the pool makes before each task:
// once with /tmp untouched, then once after leaving a file there.
import { existsSync, readlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const FILE = '/tmp/left-by-the-task'
// The same module instance as the pool's task entry (the core's bundled worker part, CommonJS):
// the plan the worker was started with is in it.
const { renewIsolation } = createRequire(import.meta.url)('@isolane/core/worker')

function timed(action) {
  const begin = process.hrtime.bigint()
  action()
  return Number(process.hrtime.bigint() - begin) / 1e3
}

export default function ({ leave = false, look = false, timeRenewal = false } = {}) {
  if (timeRenewal) {
    const untouched = timed(renewIsolation)
    writeFileSync(FILE, 'x')
    return { untouched, left: timed(renewIsolation) }
  }
  const there = look ? existsSync(FILE) : undefined
  if (leave) writeFileSync(FILE, 'x')
  return look ? { there, net: readlinkSync('/proc/thread-self/ns/net') } : 1
}
