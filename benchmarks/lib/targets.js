// The issue's targets, checked against the results: met or missed, by how much, and why.
// Ratios are medians of ratios taken within one run; nothing here compares absolute times.
import { DEFAULT_CONFIG } from './configs.js'
import { round3 } from './stats.js'

export const TARGETS = {
  window: 1.2,
  workerStart: 1.02,
  // A worker started the user-namespace way (no root): the launcher and the child's own setup.
  rootlessStart: 1.1,
  suites: 1.05,
  // The Vitest suite run by a user without privilege (the pool takes the user-namespace way).
  rootlessSuites: 1.08,
  // isolane-mocha's default (reused workers renewed per file) against mocha --parallel (issue 11).
  mochaSuite: 1.1,
  // The isolane Jest runner against stock Jest, same --maxWorkers (issue 14).
  jestSuite: 1.1,
}

const signed = (v) => (v > 0 ? `+${v}` : String(v))
const pct = (ratio, target) => `${round3((ratio / target - 1) * 100)}%`

export function evaluateTargets(sections) {
  return [windowTarget(sections.windows), workerStartTarget(sections.workerStart, sections.windows), rootlessStartTarget(sections.rootlessStart), ...sustainedTargets(sections.sustained), ...suiteTargets(sections.suites)]
}

function windowTarget(windows) {
  const base = { id: 'window', label: `default-set window within ${TARGETS.window}x of the C floor`, target: TARGETS.window }
  if (!windows) return { ...base, met: null, measured: null, why: 'not run' }
  const config = windows.configs?.find((c) => c.name === DEFAULT_CONFIG)
  if (!config || config.skipped || !config.ratioToC) return { ...base, met: null, measured: null, why: config?.skipped ?? windows.skipped ?? 'no C floor in this run (see tools)' }
  const ratio = config.ratioToC.median
  const measured = `${ratio}x (95% interval of the median ${config.ratioToC.ciLow}-${config.ratioToC.ciHigh}; p10-p90 of ${config.ratioToC.n} rounds ${config.ratioToC.p10}-${config.ratioToC.p90}); isolane ${config.core.median} us, C ${config.c.median} us`
  if (ratio <= TARGETS.window) return { ...base, met: true, measured, why: withinNoise(config.ratioToC, TARGETS.window, 'rounds') }
  // The fixed cost of crossing from JS into libc, seen on the cheapest window (uts: 7 calls).
  const uts = windows.configs.find((c) => c.name === 'uts' && c.overheadUs)
  const perCall = uts ? uts.overheadUs.median / uts.libcCalls : null
  const perKind = windows.configs.filter((c) => c.overheadUs && c.kinds.length === 1).map((c) => `${c.name} ${signed(c.overheadUs.median)}`)
  const why = [
    `missed by ${pct(ratio, TARGETS.window)}: isolane spends ${config.overheadUs.median} us more than C per window over ${config.libcCalls} libc calls`,
    perCall ? `the bare uts window, whose kernel work is tiny, shows ${round3(perCall)} us of fixed JS-side cost per libc call (koffi, the wrappers around the calls, the window's own bookkeeping: ${uts.overheadUs.median} us over ${uts.libcCalls} calls), which accounts for ~${round3(perCall * config.libcCalls)} us` : null,
    perCall ? remainderNote(config.overheadUs.median - perCall * config.libcCalls, config) : null,
    perKind.length ? `excess per kind alone (us): ${perKind.join(', ')}` : null,
    stepExcess(windows, 'net-lo', 'net', 'bringing lo up costs'),
    stepExcess(windows, 'mnt-tmpfs', 'mnt', 'the two tmpfs mounts cost'),
  ].filter(Boolean).join('; ')
  return { ...base, met: false, measured, why }
}

/** For a met target: whether the 95% interval of the median ratio reaches past it. */
function withinNoise(spread, target, what) {
  if (spread.ciHigh === null || spread.ciHigh === undefined || spread.ciHigh <= target) return undefined
  return `met by the median, but its 95% interval over the ${what} (${spread.ciLow}x-${spread.ciHigh}x) reaches past the target: this run cannot rule out a small miss`
}

/** What one step costs isolane beyond what it costs C: the excess with the step minus without. */
function stepExcess(windows, withStep, without, what) {
  const a = windows.configs.find((c) => c.name === withStep && c.overheadUs)
  const b = windows.configs.find((c) => c.name === without && c.overheadUs)
  if (!a || !b) return null
  return `${what} isolane ${signed(round3(a.overheadUs.median - b.overheadUs.median))} us more than C (${withStep} vs ${without})`
}

function remainderNote(remainder, config) {
  if (remainder <= 0.1 * config.overheadUs.median) return 'so the fixed cost of calling libc from JS explains the whole difference; the kernel work is the same'
  return `the remaining ~${round3(remainder)} us is not explained by call overhead; compare it with the spread of the C floor itself (p10-p90 ${config.c.p10}-${config.c.p90} us): the kernel's work on network namespaces varies from window to window`
}

function workerStartTarget(ws, windows) {
  const base = { id: 'worker-start', label: `isolated fork within ${TARGETS.workerStart}x of a plain fork`, target: TARGETS.workerStart }
  if (!ws || ws.skipped) return { ...base, met: null, measured: null, why: ws?.skipped ?? 'not run' }
  const r = ws.ratio
  const measured = `${r.median}x median of ${r.n} paired ratios (95% interval ${r.ciLow}-${r.ciHigh}; p10-p90 ${r.p10}-${r.p90}); difference ${ws.differenceUs.median} us on ${ws.plainUs.median} us`
  if (r.median <= TARGETS.workerStart) return { ...base, met: true, measured, why: withinNoise(r, TARGETS.workerStart, 'pairs') }
  const window = windows?.configs?.find((c) => c.name === DEFAULT_CONFIG && c.core)
  const windowPart = window ? `the window itself costs ${window.core.median} us (section 1), ${round3((window.core.median / ws.plainUs.median) * 100)}% of a plain fork` : 'the window\'s own cost is in section 1'
  const rest = ws.differenceUs.median - (window?.core.median ?? 0)
  const restPart = rest > 0 ? `; the other ~${round3(rest)} us of the median difference come from the child starting in fresh namespaces or from noise` : ''
  const noise = r.p10 <= TARGETS.workerStart ? `; the paired ratios spread from ${r.p10} to ${r.p90}, so the target lies inside this run's noise` : ''
  return { ...base, met: false, measured, why: `missed by ${pct(r.median, TARGETS.workerStart)}: ${windowPart}${restPart}${noise}` }
}

function rootlessStartTarget(rs) {
  const base = { id: 'rootless-start', label: `a worker started the user-namespace way (no root) within ${TARGETS.rootlessStart}x of a plain fork`, target: TARGETS.rootlessStart }
  if (!rs || rs.skipped) return { ...base, met: null, measured: null, why: rs?.skipped ?? 'not run' }
  const full = rs.variants.find((v) => v.name === 'userNamespace')
  const plain = rs.variants.find((v) => v.name === 'plain')
  const r = full.ratio
  const measured = `${r.median}x median of ${r.n} paired ratios (95% interval ${r.ciLow}-${r.ciHigh}; p10-p90 ${r.p10}-${r.p90}); difference ${full.overBaselineUs.median} us on ${plain.readyUs.median} us`
  const stage = (name) => rs.stages.find((s) => s.name === name)?.readyUs?.median
  const ms = (us) => `${round3(us / 1000)} ms`
  const parts = [['launcher', 'the launcher'], ['preloadModules', 'loading the preload\'s modules'], ['setup', 'koffi, the steps and the capability drop']]
    .filter(([name]) => typeof stage(name) === 'number')
    .map(([name, what]) => `${what} ${ms(stage(name))}`)
  const split = parts.length ? `the median paired differences put ${parts.join(', ')} (section 2c)` : 'section 2c has the stages'
  if (r.median <= TARGETS.rootlessStart) return { ...base, met: true, measured, why: withinNoise(r, TARGETS.rootlessStart, 'cycles') ?? split }
  // Whether noise could explain the miss: the 95% interval of the median says, not the single pairs' spread.
  const noise =
    r.ciLow !== null && r.ciLow > TARGETS.rootlessStart
      ? `; the 95% interval of the median (${r.ciLow}-${r.ciHigh}) lies wholly above the target, so this run's noise does not explain the miss`
      : `; the 95% interval of the median (${r.ciLow}-${r.ciHigh}) reaches the target, so this run cannot rule out noise`
  return { ...base, met: false, measured, why: `missed by ${pct(r.median, TARGETS.rootlessStart)}: ${split}${noise}` }
}

function sustainedTargets(sus) {
  const base = { id: 'sustained', label: 'no growth in parent memory or fds over the sustained run', target: 'no growth' }
  if (!sus || sus.skipped) return [{ ...base, met: null, measured: null, why: sus?.skipped ?? 'not run' }]
  const workers = sus.runs.flatMap((run) => run.workers.map((w) => ({ run, ...w.verdict })))
  const worst = (key) => Math.max(...workers.map((w) => w[key]))
  const measured = `${sus.settings.windows} windows per process: RSS +${worst('rssGrowthKiB')} KiB, heap +${worst('heapGrowthKiB')} KiB, fds +${worst('fdGrowth')} (worst process, first block to last, after GC)`
  const grows = workers.filter((w) => w.memoryGrows || w.fdsGrow)
  const memoryTarget = grows.length === 0
    ? { ...base, met: true, measured }
    : { ...base, met: false, measured, why: `growth beyond allocator noise (RSS ${sus.memoryNoise.rssKiB} KiB or ${sus.memoryNoise.rssFraction * 100}%, heap ${sus.memoryNoise.heapKiB} KiB) in ${grows.length} process(es): ${grows.some((w) => w.fdsGrow) ? 'descriptors are left open by the window' : 'memory kept per window'}` }
  const nets = sus.runs.map((run) => run.netNamespaces)
  const pile = {
    id: 'netns',
    label: 'destroyed network namespaces do not pile up in the kernel',
    target: 'bounded',
    measured: nets.every((n) => n.before === null) ? null : nets.map((n, i) => `${sus.runs[i].processes}p: before ${n.before}, peak ${n.peak}, end ${n.atEnd}, ${n.afterSettle} after ${n.settleMs} ms`).join('; '),
  }
  if (pile.measured === null) return [memoryTarget, { ...pile, met: null, why: sus.netNamespaceSource }]
  const verdicts = sus.runs.map((run) => run.netNamespaces.pilesUp)
  if (verdicts.every((v) => v === null)) return [memoryTarget, { ...pile, met: null, why: 'the runs were too short to judge a trend (fewer than 6 samples of the count)' }]
  if (!verdicts.includes(true)) return [memoryTarget, { ...pile, met: true }]
  return [memoryTarget, { ...pile, met: false, why: 'the count kept rising through the run (median of the last third of the samples over 1.5x the first third): the kernel destroys network namespaces asynchronously (cleanup_net on a workqueue) and creation outpaced it' }]
}

function suiteTargets(suites) {
  return (suites?.suites ?? []).map((s) => {
    const target = s.target ?? TARGETS.suites
    const base = { id: `suite-${s.id ?? s.name}`, label: `${s.name} suite: isolane within ${target}x of the stock parallel runner`, target }
    if (s.skipped) return { ...base, met: null, measured: null, why: s.skipped }
    if (s.ratio === null || s.ratio === undefined) return { ...base, met: null, measured: null, why: s.note ?? 'the suite results name no isolane and stock runner pair' }
    const interval = s.ratioInterval ? `; 95% interval ${s.ratioInterval.low}-${s.ratioInterval.high}` : ''
    const measured = `${s.ratio}x (${s.isolane} vs ${s.stock}, ${s.ratioSource}${interval})`
    if (s.ratio <= target) {
      const caveat = s.ratioInterval && withinNoise({ ciLow: s.ratioInterval.low, ciHigh: s.ratioInterval.high }, target, 'rounds')
      return { ...base, met: true, measured, ...(caveat && { why: caveat }) }
    }
    return { ...base, met: false, measured, why: `missed by ${pct(s.ratio, target)}${s.why ? `: ${s.why}` : ': the suite script gives no explanation (see its raw results)'}` }
  })
}
