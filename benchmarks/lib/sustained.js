// Section 3, host side: many windows back to back, in one process and in two at once; the
// windows run in entry/sustained.js. The host watches the kernel's count of network namespaces
// during the runs and afterwards, until the asynchronous cleanup has caught up.
import { setTimeout as sleep } from 'node:timers/promises'
import { canIsolate, createPlan, describePlan } from '@isolane/core'
import { runEntry } from './child.js'
import { HOSTNAME } from './configs.js'
import { netNamespaceSourceNote, netNamespacesHeld } from './kernel-counters.js'
import { median, round3 } from './stats.js'

/** Growth a run may show without counting as growth: allocator and GC noise, not a leak. */
export const MEMORY_NOISE = { rssFraction: 0.05, rssKiB: 4096, heapKiB: 512 }

/** Namespaces above the count before the run that still count as settled (others' churn). */
const SETTLE_MARGIN = 8

export async function benchSustained({ mode, probe, log }) {
  const settings = mode.quick ? { windows: 1000, sampleEvery: 100, warmup: 20, settleLimitMs: 5000 } : { windows: 10_000, sampleEvery: 1000, warmup: 100, settleLimitMs: 20_000 }
  const options = { hostname: HOSTNAME }
  const plan = createPlan(options)
  const can = canIsolate(plan.kinds, probe)
  if (!can.ok) return { settings, skipped: `${can.kind}: ${can.code}: ${can.reason}` }
  const runs = []
  for (const processes of [1, 2]) {
    log(`  ${processes} process${processes > 1 ? 'es' : ''} x ${settings.windows} windows`)
    runs.push(await sustainedRun({ ...settings, options }, processes))
  }
  return { settings, isolation: describePlan(plan), netNamespaceSource: netNamespaceSourceNote(), memoryNoise: MEMORY_NOISE, runs }
}

async function sustainedRun(settings, processes) {
  const before = netNamespacesHeld()
  // The kernel's count every 100 ms while the run lasts: [ms since start, count].
  const series = []
  let watching = true
  const start = process.hrtime.bigint()
  const watcher = (async () => {
    while (watching) {
      const now = netNamespacesHeld()
      if (now !== null) series.push([Math.round(Number(process.hrtime.bigint() - start) / 1e6), now])
      await sleep(100)
    }
  })()
  let workers
  try {
    workers = await Promise.all(Array.from({ length: processes }, (_, workerId) => runEntry('sustained.js', { ...settings, workerId }, { nodeArgs: ['--expose-gc'] })))
  } finally {
    watching = false
    await watcher
  }
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6
  const atEnd = netNamespacesHeld()
  const settled = await settle(before, settings.settleLimitMs)
  return {
    processes,
    wallMs: round3(wallMs),
    windowsPerSecond: round3((processes * settings.windows * 1000) / wallMs),
    netNamespaces: { before, peak: series.length ? Math.max(...series.map(([, n]) => n)) : null, atEnd, ...settled, pilesUp: pilesUp(series), series },
    workers: workers.map((w) => ({ pid: w.pid, samples: w.samples, verdict: verdictOf(w.samples) })),
  }
}

/**
 * Waits until the kernel holds about as many network namespaces as before the run (the count is
 * machine-wide: other processes make and drop their own), or until it has stopped falling for
 * 2 s, or `limitMs` passed.
 */
async function settle(before, limitMs) {
  if (before === null) return { afterSettle: null, settleMs: null }
  const start = Date.now()
  let now = netNamespacesHeld()
  let lowest = now
  let lowestAt = start
  while (now !== null && now > before + SETTLE_MARGIN && Date.now() - start < limitMs && Date.now() - lowestAt < 2000) {
    await sleep(100)
    now = netNamespacesHeld()
    if (now !== null && now < lowest) {
      lowest = now
      lowestAt = Date.now()
    }
  }
  return { afterSettle: now, settleMs: Date.now() - start }
}

/**
 * Growth is measured from the first block's sample (everything is loaded and compiled by then) to
 * the last; the samples are taken after a full GC.
 */
function verdictOf(samples) {
  const first = samples[1] ?? samples[0]
  const last = samples.at(-1)
  const timed = samples.filter((s) => s.perSecond !== null)
  const rssGrowthKiB = last.rssKiB - first.rssKiB
  const heapGrowthKiB = last.heapUsedKiB - first.heapUsedKiB
  const fdGrowth = last.fds - first.fds
  const rssAllowance = Math.max(MEMORY_NOISE.rssKiB, first.rssKiB * MEMORY_NOISE.rssFraction)
  return {
    firstRate: round3(timed[0]?.perSecond),
    lastRate: round3(timed.at(-1)?.perSecond),
    minRate: round3(Math.min(...timed.map((s) => s.perSecond))),
    rssGrowthKiB,
    heapGrowthKiB,
    fdGrowth,
    memoryGrows: rssGrowthKiB > rssAllowance || heapGrowthKiB > MEMORY_NOISE.heapKiB,
    fdsGrow: fdGrowth > 0,
    netNamespacesPeakInRun: Math.max(...samples.map((s) => s.netNamespaces ?? 0)),
  }
}

/**
 * Whether the kernel's count of network namespaces kept rising through the run: the median of the
 * last third of the series against the first third, from its first change (single samples spike whenever a cleanup batch
 * is pending, so peaks alone say little). null without a series to judge.
 */
export function pilesUp(series) {
  // Leave out the start, before the first window (the children are still loading): still flat.
  const firstChange = series.findIndex(([, n]) => n !== series[0]?.[1])
  series = firstChange === -1 ? [] : series.slice(firstChange)
  if (series.length < 6) return null
  const third = Math.floor(series.length / 3)
  const first = median(series.slice(0, third).map(([, n]) => n))
  const last = median(series.slice(-third).map(([, n]) => n))
  return last > first * 1.5 + 32
}
