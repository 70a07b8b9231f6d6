// Section 1, child side (started by lib/windows.js): times isolane's window in this process with
// the built @isolane/core, the C floor (a program run per round), and commands started in fresh
// namespaces (isolane + spawn, unshare(1), bwrap) against a plain spawn. Windows: many short
// rounds, C and isolane side by side in each (which goes first alternates), so that both see the
// same machine load; within a round configurations are interleaved cycle by cycle. Spawns come
// after, each paired with a plain spawn. Prints JSON.
import { spawnSync } from 'node:child_process'
import { createPlan, withIsolation } from '@isolane/core'

const job = JSON.parse(process.argv[2])
const plans = job.configs.map((config) => createPlan(config.options, { workerId: 0 }))
const noop = () => undefined
const TRUE = job.trueCommand

function timed(action) {
  const start = process.hrtime.bigint()
  action()
  return Number(process.hrtime.bigint() - start) / 1e3
}

function mustSucceed(result, what) {
  if (result.error) throw new Error(`${what} could not start: ${result.error.message}`)
  if (result.status !== 0) throw new Error(`${what} exited with ${result.status ?? result.signal}: ${String(result.stderr).trim().slice(0, 400)}`)
  return result
}

function runCore() {
  const us = job.configs.map(() => [])
  for (let n = 0; n < job.cycles; n++)
    for (let i = 0; i < plans.length; i++) us[i].push(timed(() => withIsolation(plans[i], noop)))
  return us
}

function runC() {
  if (!job.cFloor) return null
  const specs = job.configs.map((config) => config.cSpec)
  const result = mustSucceed(spawnSync(job.cFloor, [`-w${job.cWarmup}`, String(job.cycles), ...specs], { encoding: 'utf8', maxBuffer: 64 << 20 }), 'the C floor')
  const byName = new Map(JSON.parse(result.stdout).configs.map((c) => [c.name, c.ns.map((ns) => ns / 1e3)]))
  return job.configs.map((config) => byName.get(config.name) ?? [])
}

function spawnTimed(file, args, what) {
  let result
  const us = timed(() => (result = spawnSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'] })))
  mustSucceed(result, what)
  return us
}

/**
 * A command in fresh namespaces, three ways, each next to a plain spawn of the same command in the
 * same cycle (the order rotates), so that every sample has its own baseline: spawn times on a busy
 * machine drift far more than the differences measured here.
 */
function runSpawns() {
  const out = { plain: [], isolane: [], unshare: [], bwrap: [] }
  for (const key of Object.keys(out)) for (let i = 0; i < plans.length; i++) out[key].push([])
  const quiet = { stdio: ['ignore', 'ignore', 'pipe'] }
  for (let n = 0; n < job.spawnCycles; n++) {
    for (let i = 0; i < plans.length; i++) {
      const config = job.configs[i]
      const methods = [
        ['plain', () => spawnTimed(TRUE, [], 'a plain spawn')],
        ['isolane', () => timed(() => withIsolation(plans[i], () => mustSucceed(spawnSync(TRUE, [], quiet), 'a spawn in the window')))],
      ]
      if (job.unshare && config.unshareArgv) methods.push(['unshare', () => spawnTimed(job.unshare, config.unshareArgv, `unshare ${config.unshareArgv.join(' ')}`)])
      if (job.bwrap && config.bwrapArgv) methods.push(['bwrap', () => spawnTimed(job.bwrap, config.bwrapArgv, `bwrap ${config.bwrapArgv.join(' ')}`)])
      for (let k = 0; k < methods.length; k++) {
        const [name, run] = methods[(n + i + k) % methods.length]
        out[name][i].push(run())
      }
    }
  }
  return out
}

for (let i = 0; i < job.warmup; i++) for (const plan of plans) withIsolation(plan, noop)

const rounds = []
for (let r = 0; r < job.rounds; r++) {
  let c
  let core
  if (r % 2 === 0) {
    c = runC()
    core = runCore()
  } else {
    core = runCore()
    c = runC()
  }
  rounds.push({ core, c })
  if ((r + 1) % Math.ceil(job.rounds / 4) === 0) process.stderr.write(`  windows: round ${r + 1}/${job.rounds}\n`)
}
const spawn = runSpawns()
process.stderr.write(`  windows: ${job.spawnCycles} spawns of each kind per configuration done\n`)
process.stdout.write(JSON.stringify({ rounds, spawn }))
