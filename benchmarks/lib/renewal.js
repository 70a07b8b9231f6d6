// Section 5, host side: what a reused worker pays per task for its renewal (fresh net, uts and ipc
// namespaces, the tmpfs mounts kept or replaced, lo up, hostname: packages/core/src/renewal.ts),
// against the C floor of the same syscalls in the same run, and what the leftovers check costs per
// task. Measured the privileged way (as root) and the user-namespace way (as a user without
// privilege: as root, a user made for it); the timing runs in entry/renewal.js.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { canIsolate, createPlan, describePlan } from '@isolane/core'
import { DEFAULT_USER, prepareUser, removeUser } from './as-user.js'
import { entryPath, runEntry } from './child.js'
import { HOSTNAME, cSpec } from './configs.js'
import { COSTS, VARIANTS } from './renewal-variants.js'
import { median, pairedRatios, rounded, summarize } from './stats.js'

const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url))
const POOL_MODULE = fileURLToPath(new URL('../../packages/pool/dist/index.js', import.meta.url))

export const WAYS = [
  { name: 'privileged', label: 'privileged way (root)' },
  { name: 'userNamespace', label: 'user-namespace way (no root)' },
]

/**
 * The C floor's specs for the worker's plan: a renewal after a task that left the tmpfs mounts
 * untouched, and (where /tmp gets a tmpfs) one after a task that left a file in /tmp.
 */
export function renewalSpecs(plan) {
  const untouched = cSpec('untouched', plan)
  return plan.steps.some((s) => s.op === 'tmpfs' && s.path === '/tmp') ? [untouched, `${cSpec('left', plan)};left=/tmp`] : [untouched]
}

export async function benchRenewal({ mode, probe, cFloor, log }) {
  const settings = mode.quick ? { rounds: 3, tasks: 10, warmupTasks: 2, cWarmup: 3 } : { rounds: 40, tasks: 100, warmupTasks: 20, cWarmup: 10 }
  const isolation = { hostname: HOSTNAME }
  // The pools' first worker is worker 1: the C floor sets the same hostname.
  const plan = createPlan(isolation, { workerId: 1 })
  const base = { settings, isolation: describePlan(plan) }
  if (!existsSync(POOL_MODULE)) return { ...base, skipped: `@isolane/pool is not built (${POOL_MODULE}): run \`node scripts/build.js\`` }
  const cSpecs = renewalSpecs(plan)
  const job = { ...settings, isolation, poolModule: POOL_MODULE, cFloor: cFloor?.binary ?? null, cSpecs }
  const root = process.getuid?.() === 0
  const ways = []

  // The privileged way: this process as root.
  const privileged = WAYS[0]
  const can = canIsolate(plan.kinds, probe)
  if (!root) ways.push({ ...privileged, skipped: 'not run as root' })
  else if (!can.ok) ways.push({ ...privileged, skipped: `${can.kind}: ${can.code}: ${can.reason}` })
  else {
    log(`  ${privileged.label}: ${settings.rounds} rounds of ${settings.tasks} tasks per variant (${VARIANTS.length} pools) and ${settings.tasks} C renewals of each kind, rotating which goes first`)
    ways.push(await measureWay(privileged, job, { runAs: null, expectedWay: 'privileged' }))
  }

  // The user-namespace way: as a user without privilege (as root, a user made for it).
  const userNs = WAYS[1]
  let runAs = null
  if (root) {
    runAs = prepareUser(DEFAULT_USER, { node: process.execPath, paths: [entryPath('renewal.js'), POOL_MODULE, ...(job.cFloor ? [job.cFloor] : [])], cwd: CHECKOUT })
    if (runAs.skipped) {
      ways.push({ ...userNs, skipped: runAs.skipped })
      runAs = null
    }
  }
  if (!root || runAs) {
    try {
      log(`  ${userNs.label}, as ${runAs ? runAs.description : `uid ${process.getuid?.()}`}: the same rounds`)
      ways.push(await measureWay(userNs, { ...job, cUserNamespace: true }, { runAs, expectedWay: 'user-namespace' }))
    } catch (error) {
      ways.push({ ...userNs, skipped: `failed: ${error instanceof Error ? error.message : String(error)}` })
    } finally {
      if (runAs?.created) removeUser(runAs.user)
    }
  }
  return { ...base, cSpecs, ways }
}

async function measureWay(way, job, { runAs, expectedWay }) {
  const out = await runEntry('renewal.js', job, { cwd: CHECKOUT, runAs })
  // The pools must have taken the way measured, and each variant's worker done what it says.
  if (out.way !== expectedWay) return { ...way, runAs: runAs?.description ?? `uid ${out.uid}`, skipped: `the pools took ${out.way}, not the ${expectedWay} way, here` }
  const wrong = checkLooks(out.looks)
  if (wrong) throw new Error(`${way.label}: ${wrong}; this is a bug in the benchmarks or in the renewal`)
  return { ...way, runAs: runAs?.description ?? (out.uid === 0 ? 'root' : `uid ${out.uid}`), ...summarizeRenewal(out.rounds) }
}

/**
 * What the warm-up saw, against what each variant must do: a renewed worker runs each task in a
 * fresh net namespace and finds /tmp empty; one not renewed keeps both. The problem, or null.
 */
export function checkLooks(looks) {
  for (const v of VARIANTS) {
    const look = looks?.[v.name]
    if (!look) return `no warm-up result for the ${v.name} variant`
    if (look.netRenewed !== v.renew) return `the ${v.name} variant's tasks ran in ${look.netRenewed ? 'a fresh net namespace each' : 'the same net namespace'}`
    if (v.leave && look.fileKept !== !v.renew) return `the ${v.name} variant's task ${look.fileKept ? 'found' : 'did not find'} the file the task before left in /tmp`
  }
  return null
}

/**
 * The rounds (`[{ [variant]: [us per task], call: { [spec]: [us per renewIsolation()] },
 * c: { [spec]: [us per renewal] } | null }]`) as each variant's time per task and each cost: the
 * paired difference per round between the median task time with and without it, its ratio, and,
 * for a renewal, the core's call itself and both against the C floor's median renewal of the same
 * round.
 */
export function summarizeRenewal(rounds) {
  const variants = VARIANTS.map((v) => ({ name: v.name, label: v.label, perTaskUs: rounded(summarize(rounds.flatMap((r) => r[v.name] ?? []))) }))
  const costs = COSTS.map((cost) => {
    const both = rounds.filter((r) => r[cost.with]?.length && r[cost.without]?.length)
    const withUs = both.map((r) => median(r[cost.with]))
    const withoutUs = both.map((r) => median(r[cost.without]))
    const differenceUs = withUs.map((v, k) => v - withoutUs[k])
    const out = { ...cost, rounds: both.length, differenceUs: rounded(summarize(differenceUs)), taskRatio: rounded(summarize(pairedRatios(withUs, withoutUs))) }
    const withCall = cost.c ? rounds.filter((r) => r.call?.[cost.c]?.length) : []
    if (withCall.length > 0) out.callUs = rounded(summarize(withCall.flatMap((r) => r.call[cost.c])))
    const withC = cost.c ? both.filter((r) => r.c?.[cost.c]?.length) : []
    if (withC.length === 0) return out
    const diffC = withC.map((r) => median(r[cost.with]) - median(r[cost.without]))
    const cUs = withC.map((r) => median(r.c[cost.c]))
    const callAndC = withCall.filter((r) => r.c?.[cost.c]?.length)
    return {
      ...out,
      cUs: rounded(summarize(withC.flatMap((r) => r.c[cost.c]))),
      ratioToC: rounded(summarize(pairedRatios(diffC, cUs))),
      overCUs: rounded(summarize(diffC.map((v, k) => v - cUs[k]))),
      ...(callAndC.length > 0 && { callRatioToC: rounded(summarize(pairedRatios(callAndC.map((r) => median(r.call[cost.c])), callAndC.map((r) => median(r.c[cost.c]))))) }),
    }
  })
  return { variants, costs }
}
