// Section 2b, child side (started by lib/rootless-start.js): forks entry/ready-child.js plainly,
// the user-namespace way (core's forkIn, through util-linux unshare(1)), and the stages in
// between, once each per cycle, the order rotating, and times each until the child's first IPC
// message. Each child has exited before the next starts. Prints JSON.
import { fork } from 'node:child_process'
import { readlinkSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createPlan, forkIn, launcherArgs } from '@isolane/core'
import { rotated } from '../lib/cycles.js'

const job = JSON.parse(process.argv[2])
const READY = fileURLToPath(new URL('./ready-child.js', import.meta.url))
const FORK_OPTIONS = { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }
// The same plan both ways: forced to the user-namespace way (valid as root too), or privileged.
const plan = createPlan({ ...job.options, way: 'user-namespace' }, { workerId: 1 })
const privilegedPlan = createPlan({ ...job.options, way: 'privileged' }, { workerId: 1 })
// The launcher as forkIn() runs it, with Node after it but nothing of isolane's in the child.
const throughLauncher = (nodeArgs) => ({ ...FORK_OPTIONS, execPath: job.launcher, execArgv: [...launcherArgs(plan.kinds), '--', process.execPath, ...nodeArgs, ...process.execArgv] })

const START = {
  plain: () => fork(READY, [], FORK_OPTIONS),
  launcher: () => fork(READY, [], throughLauncher([])),
  // The core's preload loaded (its modules, by require() of ES modules) with no plan to run: it
  // returns at once, before koffi is loaded, any step runs or any capability is dropped.
  preload: () => fork(READY, [], throughLauncher(['--require', job.preload])),
  userNamespace: () => forkIn(plan, 'user-namespace', READY, [], FORK_OPTIONS),
  privileged: () => forkIn(privilegedPlan, 'privileged', READY, [], FORK_OPTIONS),
}

const own = namespacesOf('self')

function namespacesOf(pid) {
  const read = (kind) => {
    try {
      return readlinkSync(`/proc/${pid}/ns/${kind}`)
    } catch {
      return null
    }
  }
  return { user: read('user'), net: read('net') }
}

/** Time until the first message; with `look`, also which namespaces the child was in then. */
function timeUntilReady(start, look = false) {
  return new Promise((resolve, reject) => {
    const begin = process.hrtime.bigint()
    let result
    const child = start()
    child.once('message', (message) => {
      result = { readyUs: Number(process.hrtime.bigint() - begin) / 1e3, mainUs: typeof message?.mainMs === 'number' ? message.mainMs * 1e3 : null }
      if (look) {
        const ns = namespacesOf(message.ready)
        result.freshUser = ns.user === null ? null : ns.user !== own.user
        result.freshNet = ns.net === null ? null : ns.net !== own.net
      }
    })
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      if (result === undefined) reject(new Error(`the ready child exited (${signal ?? code}) without a message`))
      else resolve(result)
    })
  })
}

// Warm-up, not counted; the first round also says which namespaces each variant's child was in.
const namespaces = {}
for (let i = 0; i < job.warmup; i++)
  for (const name of job.variants) {
    const r = await timeUntilReady(START[name], i === 0)
    if (i === 0) namespaces[name] = { freshUser: r.freshUser, freshNet: r.freshNet }
  }
const cycles = []
for (let i = 0; i < job.cycles; i++) {
  const cycle = {}
  for (const name of rotated(job.variants, i)) cycle[name] = await timeUntilReady(START[name])
  cycles.push(cycle)
  if ((i + 1) % 20 === 0) process.stderr.write(`  rootless start: ${i + 1}/${job.cycles} cycles\n`)
}
process.stdout.write(JSON.stringify({ namespaces, cycles }))
