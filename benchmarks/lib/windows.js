// Section 1, host side: what one isolation window costs, per kind and for the default set,
// against the C floor, and what a command in fresh namespaces costs with isolane, unshare(1)
// and bwrap over a plain spawn. The timing runs in entry/windows.js.
import { canIsolate, describePlan } from '@isolane/core'
import { runEntry } from './child.js'
import { WINDOW_CONFIGS, bwrapArgv, cSpec, libcCallsPerWindow, planOf, unshareArgv } from './configs.js'
import { median, pairedRatios, rounded, summarize } from './stats.js'

export async function benchWindows({ mode, probe, cFloor, unshare, bwrap, trueCommand, log }) {
  const settings = mode.quick ? { rounds: 8, cycles: 10, cWarmup: 3, spawnCycles: 4, warmup: 100 } : { rounds: 150, cycles: 15, cWarmup: 3, spawnCycles: 60, warmup: 300 }
  const configs = []
  const skipped = []
  for (const config of WINDOW_CONFIGS) {
    const plan = planOf(config)
    const can = canIsolate(plan.kinds, probe)
    if (!can.ok) {
      skipped.push({ name: config.name, label: config.label, skipped: `${can.kind}: ${can.code}: ${can.reason}` })
      continue
    }
    const needsIp = plan.steps.some((s) => s.op === 'loopback-up')
    configs.push({
      ...config,
      plan,
      cSpec: cSpec(config.name, plan),
      unshareArgv: unshare.path && (!needsIp || unshare.ip) ? unshareArgv(plan, trueCommand) : null,
      bwrapArgv: bwrap.path ? bwrapArgv(plan, trueCommand) : null,
    })
  }
  if (configs.length === 0) return { settings, skipped: 'no namespace kind is usable here (see the probe)', configs: skipped }

  log(`  ${configs.length} configurations, ${settings.rounds} rounds x ${settings.cycles} windows each (C and isolane alternate), then ${settings.spawnCycles} spawns of each kind per configuration, each paired with a plain spawn`)
  const job = {
    ...settings,
    trueCommand,
    cFloor: cFloor.binary ?? null,
    unshare: unshare.path ?? null,
    bwrap: bwrap.path ?? null,
    configs: configs.map(({ name, options, cSpec, unshareArgv, bwrapArgv }) => ({ name, options, cSpec, unshareArgv, bwrapArgv })),
  }
  const { rounds, spawn } = await runEntry('windows.js', job)

  const results = configs.map((config, i) => {
    const core = rounds.flatMap((r) => r.core[i])
    const c = cFloor.binary ? rounds.flatMap((r) => r.c[i]) : []
    const coreMedians = rounds.map((r) => median(r.core[i]))
    const cMedians = cFloor.binary ? rounds.map((r) => median(r.c[i])) : []
    // Spawn samples are paired with the plain spawn of the same cycle (see entry/windows.js).
    const plain = spawn.plain[i]
    const spawnSamples = (method) => spawn[method][i]
    const spawnOf = (method) => {
      const samples = spawnSamples(method)
      if (samples.length === 0) return null
      return {
        us: rounded(summarize(samples)),
        overPlainUs: rounded(summarize(samples.map((v, k) => v - plain[k]))),
        ratioToPlain: rounded(summarize(pairedRatios(samples, plain))),
      }
    }
    const toIsolane = (method) => (spawnSamples(method).length ? rounded(summarize(pairedRatios(spawnSamples(method), spawnSamples('isolane')))) : null)
    const isolaneSpawn = spawnOf('isolane')
    const unshareSpawn = spawnOf('unshare')
    const bwrapSpawn = spawnOf('bwrap')
    return {
      name: config.name,
      label: config.label,
      kinds: config.plan.kinds,
      steps: describePlan(config.plan),
      libcCalls: libcCallsPerWindow(config.plan),
      core: rounded(summarize(core)),
      c: c.length ? rounded(summarize(c)) : null,
      ratioToC: c.length ? rounded(summarize(pairedRatios(coreMedians, cMedians))) : null,
      overheadUs: c.length ? rounded(summarize(coreMedians.map((m, k) => m - cMedians[k]))) : null,
      spawn: {
        isolane: isolaneSpawn,
        unshare: unshareSpawn,
        bwrap: bwrapSpawn,
        // How many times longer the tool takes than isolane to start the same command in the same namespaces.
        unshareToIsolane: toIsolane('unshare'),
        bwrapToIsolane: toIsolane('bwrap'),
        unshareArgv: config.unshareArgv,
        bwrapArgv: config.bwrapArgv,
      },
    }
  })
  return { settings, spawnPlain: rounded(summarize(spawn.plain.flat())), configs: [...results, ...skipped] }
}
