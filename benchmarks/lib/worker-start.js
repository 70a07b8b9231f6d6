// Section 2, host side: an isolated fork against a plain child_process.fork of the same module,
// paired run by run; the timing runs in entry/worker-start.js.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { canIsolate, createPlan, describePlan } from '@isolane/core'
import { runEntry } from './child.js'
import { HOSTNAME } from './configs.js'
import { pairedRatios, rounded, summarize } from './stats.js'

const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url))
const POOL_MODULE = fileURLToPath(new URL('../../packages/pool/dist/index.js', import.meta.url))

export async function benchWorkerStart({ mode, probe, log }) {
  const settings = mode.quick ? { pairs: 10, warmup: 2 } : { pairs: 120, warmup: 5 }
  const options = { hostname: HOSTNAME }
  const plan = createPlan(options)
  const can = canIsolate(plan.kinds, probe)
  if (!can.ok) return { settings, skipped: `${can.kind}: ${can.code}: ${can.reason}` }
  log(`  ${settings.pairs} pairs of forks (plain, isolated), alternating which goes first`)
  // From the checkout, as a user forks a module of their project: when it lies under /tmp the
  // core shows the working directory again inside the worker's private /tmp (run.js runs from /).
  const { via, pairs } = await runEntry('worker-start.js', { ...settings, options, poolModule: existsSync(POOL_MODULE) ? POOL_MODULE : null }, { cwd: CHECKOUT })
  const plain = pairs.map((p) => p.plain)
  const isolated = pairs.map((p) => p.isolated)
  return {
    settings,
    via,
    isolation: describePlan(plan),
    plainUs: rounded(summarize(plain)),
    isolatedUs: rounded(summarize(isolated)),
    ratio: rounded(summarize(pairedRatios(isolated, plain))),
    differenceUs: rounded(summarize(isolated.map((v, k) => v - plain[k]))),
  }
}
