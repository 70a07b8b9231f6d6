// What renewal between tasks and the leftovers check cost a reused worker, side by side in one run:
// @isolane/pool with isolateWorkers: false, 100 trivial tasks a round, rounds alternated, medians
// of 7 rounds. Not part of run.js yet (its own small shape). Usage: node benchmarks/renewal-cost.js
import { createPool } from '../packages/pool/dist/index.js'

const filename = new URL('../fixtures/pool/returns-quickly.mjs', import.meta.url)
const TASKS = 100
const ROUNDS = 7

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

async function msPerTask(options) {
  const pool = createPool({ filename, minThreads: 1, maxThreads: 1, isolateWorkers: false, ...options })
  await pool.run({}) // the worker's start is not what is measured
  const started = performance.now()
  for (let i = 0; i < TASKS; i++) await pool.run({})
  const ms = (performance.now() - started) / TASKS
  await pool.destroy()
  return ms
}

const variants = {
  plain: { renewWorkers: false, leftovers: 'keep' },
  leftoversChecked: { renewWorkers: false, leftovers: 'stop' },
  renewed: { renewWorkers: true, leftovers: 'keep' },
}
const times = Object.fromEntries(Object.keys(variants).map((name) => [name, []]))
for (let round = 0; round < ROUNDS; round++) for (const [name, options] of Object.entries(variants)) times[name].push(await msPerTask(options))
const extra = (name) => median(times[name].map((ms, i) => ms - times.plain[i]))
console.log(JSON.stringify({ uid: process.getuid(), msPerTask: Object.fromEntries(Object.entries(times).map(([n, t]) => [n, median(t)])), extraMsPerTask: { renewal: extra('renewed'), leftoversCheck: extra('leftoversChecked') } }))
