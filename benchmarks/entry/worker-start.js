// Section 2, child side (started by lib/worker-start.js): forks entry/ready-child.js plainly and
// in fresh namespaces, alternately (which one goes first alternates too), and times each until
// the child's first IPC message. Each child has exited before the next starts. Prints JSON.
import { fork } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createPlan, withIsolation } from '@isolane/core'

const job = JSON.parse(process.argv[2])
const READY = fileURLToPath(new URL('./ready-child.js', import.meta.url))
const FORK_OPTIONS = { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }

/** How an isolated worker is forked: @isolane/pool's forkIsolated when built, else the core's window. */
async function isolatedForker() {
  if (job.poolModule) {
    const pool = await import(pathToFileURL(job.poolModule).href)
    if (typeof pool.forkIsolated === 'function') return { via: '@isolane/pool forkIsolated', start: () => pool.forkIsolated(READY, [], { ...FORK_OPTIONS, isolation: job.options, workerId: 1 }) }
  }
  const plan = createPlan(job.options, { workerId: 1 })
  return { via: '@isolane/core withIsolation(plan, () => fork(...))', start: () => withIsolation(plan, () => fork(READY, [], FORK_OPTIONS)) }
}

function timeUntilReady(start) {
  return new Promise((resolve, reject) => {
    const begin = process.hrtime.bigint()
    let readyAfterUs
    const child = start()
    child.once('message', () => {
      readyAfterUs = Number(process.hrtime.bigint() - begin) / 1e3
    })
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      if (readyAfterUs === undefined) reject(new Error(`the ready child exited (${signal ?? code}) without a message`))
      else resolve(readyAfterUs)
    })
  })
}

const isolated = await isolatedForker()
const plainStart = () => fork(READY, [], FORK_OPTIONS)
for (let i = 0; i < job.warmup; i++) {
  await timeUntilReady(plainStart)
  await timeUntilReady(isolated.start)
}
const pairs = []
for (let i = 0; i < job.pairs; i++) {
  let plain
  let iso
  if (i % 2 === 0) {
    plain = await timeUntilReady(plainStart)
    iso = await timeUntilReady(isolated.start)
  } else {
    iso = await timeUntilReady(isolated.start)
    plain = await timeUntilReady(plainStart)
  }
  pairs.push({ plain, isolated: iso })
  if ((i + 1) % 20 === 0) process.stderr.write(`  worker start: ${i + 1}/${job.pairs} pairs\n`)
}
process.stdout.write(JSON.stringify({ via: isolated.via, pairs }))
