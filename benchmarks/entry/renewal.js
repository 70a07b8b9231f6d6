// Section 5, child side (started by lib/renewal.js, as root or as a user without privilege): what
// renewing a reused worker between tasks and the leftovers check cost per task, next to the C floor
// of a renewal. One @isolane/pool per variant, each with one reused worker (isolateWorkers: false)
// started before the rounds; in each round every variant runs its block of tasks one after the
// other (each task timed from run() to its result), and the C floor renews as many times, the
// order rotating from round to round. One more renewed worker's tasks time the core's
// renewIsolation() itself, the call the pool makes before each task (the `call` block). Prints JSON.
import { spawnSync } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { chooseWay, createPlan } from '@isolane/core'
import { rotated } from '../lib/cycles.js'
import { VARIANTS } from '../lib/renewal-variants.js'

const job = JSON.parse(process.argv[2])
const TASK = fileURLToPath(new URL('./renewal-task.js', import.meta.url))
const { createPool } = await import(pathToFileURL(job.poolModule).href)

const pools = Object.fromEntries(
  VARIANTS.map((v) => [v.name, createPool({ filename: TASK, minThreads: 1, maxThreads: 1, isolateWorkers: false, isolation: job.isolation, renewWorkers: v.renew, leftovers: v.checked ? 'stop' : 'keep' })]),
)
const taskOf = (v) => ({ leave: v.leave })
// Renewed by the pool before each task too: its tasks time the call in a worker in the same state.
const callPool = createPool({ filename: TASK, minThreads: 1, maxThreads: 1, isolateWorkers: false, isolation: job.isolation, renewWorkers: true, leftovers: 'keep' })

// The way the pools took here (their own choice, as a user's pool makes it).
const verdict = chooseWay(createPlan(job.isolation))
const way = verdict.ok ? verdict.way : `none: ${verdict.error.message}`

function cRound() {
  if (!job.cFloor) return null
  const args = ['--renew', ...(job.cUserNamespace ? ['--user-namespace'] : []), `-w${job.cWarmup}`, String(job.tasks), ...job.cSpecs]
  const run = spawnSync(job.cFloor, args, { encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`the C floor (${job.cFloor} ${args.join(' ')}) failed: ${(run.stderr || run.error?.message || `exit ${run.status}`).trim()}`)
  return Object.fromEntries(JSON.parse(run.stdout).renewals.map((r) => [r.name, r.us]))
}

async function taskRound(v) {
  const pool = pools[v.name]
  const task = taskOf(v)
  const us = []
  for (let i = 0; i < job.tasks; i++) {
    const begin = process.hrtime.bigint()
    await pool.run(task)
    us.push(Number(process.hrtime.bigint() - begin) / 1e3)
  }
  return us
}

async function callRound() {
  const call = { untouched: [], left: [] }
  for (let i = 0; i < job.tasks; i++) {
    const { untouched, left } = await callPool.run({ timeRenewal: true })
    call.untouched.push(untouched)
    call.left.push(left)
  }
  return call
}

const blocks = [...VARIANTS.map((v) => v.name), 'call', 'c']
const looks = {}
const rounds = []
try {
  // Warm-up, not counted: each worker started and its code loaded. The first tasks also say what
  // each variant's worker does: a renewed worker runs each task in a fresh net namespace and an
  // empty /tmp, one not renewed keeps both.
  for (const v of VARIANTS) {
    const seen = []
    for (let i = 0; i < Math.max(2, job.warmupTasks); i++) seen.push(await pools[v.name].run({ ...taskOf(v), look: i < 2 }))
    looks[v.name] = { netRenewed: seen[0].net !== seen[1].net, fileKept: v.leave ? seen[1].there : null }
  }
  for (let i = 0; i < job.warmupTasks; i++) await callPool.run({ timeRenewal: true })
  for (let i = 0; i < job.rounds; i++) {
    const round = {}
    for (const name of rotated(blocks, i)) {
      if (name === 'c') round.c = cRound()
      else if (name === 'call') round.call = await callRound()
      else round[name] = await taskRound(VARIANTS.find((v) => v.name === name))
    }
    rounds.push(round)
    if ((i + 1) % 10 === 0) process.stderr.write(`  renewal: ${i + 1}/${job.rounds} rounds\n`)
  }
} finally {
  await Promise.all([...Object.values(pools), callPool].map((pool) => pool.destroy()))
}
process.stdout.write(JSON.stringify({ uid: process.getuid(), way, looks, rounds }))
