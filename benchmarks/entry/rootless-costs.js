// Run by vitest-suite.js --rootless as the user who runs the suite (argv: number of pairs): which
// way the isolane pool's default plan takes for that user, what choosing it costs (chooseWay(),
// the first call in a fresh process, as the pool makes it when the config loads), and with pairs,
// what starting a worker that way costs over a plain fork of the same ready module. Prints JSON.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { chooseWay, createPlan, forkIn } from '@isolane/core'

const pairs = Number(process.argv[2] ?? 0)
const READY = fileURLToPath(new URL('./ready-child.js', import.meta.url))
const OPTIONS = { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] }

const started = performance.now()
const plan = createPlan({}, { workerId: 1 })
const verdict = chooseWay(plan)
const chooseWayMs = performance.now() - started
if (!verdict.ok) {
  process.stdout.write(JSON.stringify({ error: verdict.error.message }))
  process.exit(0)
}

function untilReady(start) {
  return new Promise((resolve, reject) => {
    const begin = performance.now()
    let ms
    const child = start()
    child.once('message', () => (ms = performance.now() - begin))
    child.once('error', reject)
    child.once('exit', (code, signal) => (ms === undefined ? reject(new Error(`the ready child exited (${signal ?? code}) without a message`)) : resolve(ms)))
  })
}

const differences = []
if (verdict.way === 'user-namespace')
  for (let i = 0; i < pairs; i++) {
    // Which goes first alternates, as everywhere in the benchmarks.
    const startPlain = () => untilReady(() => fork(READY, [], OPTIONS))
    const startIsolated = () => untilReady(() => forkIn(plan, verdict.way, READY, [], OPTIONS))
    let plain
    let isolated
    if (i % 2 === 0) {
      plain = await startPlain()
      isolated = await startIsolated()
    } else {
      isolated = await startIsolated()
      plain = await startPlain()
    }
    differences.push(isolated - plain)
  }
differences.sort((x, y) => x - y)
process.stdout.write(JSON.stringify({ way: verdict.way, chooseWayMs, workerStartMs: differences.length ? differences[Math.floor(differences.length / 2)] : null }))
