// The results as tables of plain strings: { title, note, columns, rows }. The terminal and the
// Markdown renderers draw the same tables.
import { DEFAULT_CONFIG } from '../configs.js'
import { TARGETS } from '../targets.js'

const num = (v) => (v === null || v === undefined ? '-' : String(v))
const spread = (s, scale = 1) => (s ? `${num(fix(s.median / scale))} [${num(fix(s.p10 / scale))}-${num(fix(s.p90 / scale))}]` : '-')
const ratio = (s) => (s ? `${s.median}x [${s.p10}-${s.p90}]` : '-')
const fix = (v) => (Math.abs(v) >= 100 ? Math.round(v) : Math.abs(v) >= 10 ? Number(v.toFixed(1)) : Number(v.toFixed(2)))

export function buildTables(results) {
  const { windows, workerStart, rootlessStart, sustained, suites, renewal } = results.sections
  return [windowTable(windows, results.tools), spawnTable(windows, results.tools), workerStartTable(workerStart), rootlessStartTable(rootlessStart), rootlessStagesTable(rootlessStart), sustainedTable(sustained), sustainedBlocksTable(sustained), suitesTable(suites), renewalTable(renewal, results.tools), targetsTable(results.targets)].filter(Boolean)
}

function windowTable(windows, tools) {
  if (!windows) return null
  const title = '1. Isolation window: microseconds per window, median [p10-p90]'
  if (windows.skipped) return { title, note: `skipped: ${windows.skipped}`, columns: [], rows: [] }
  const rows = windows.configs.map((c) =>
    c.skipped
      ? [c.label, 'skipped', c.skipped, '', '']
      : [c.name === DEFAULT_CONFIG ? `${c.label} *` : c.label, spread(c.c), spread(c.core), ratio(c.ratioToC), c.overheadUs ? `${fix(c.overheadUs.median)}` : '-'])
  const uts = windows.configs.find((c) => c.name === 'uts' && c.overheadUs)
  const perCall = uts ? ` Small windows (uts, cgroup, pid) are mostly the fixed JS-side cost of a window (koffi calls and the wrappers around them): the uts row puts it at ~${fix(uts.overheadUs.median / uts.libcCalls)} us per libc call (${uts.libcCalls} calls).` : ''
  const cNote = tools.cFloor.skipped ? `No C floor: ${tools.cFloor.skipped}. ` : `C floor: benchmarks/c/ns-window.c, ${tools.cFloor.compiler} ${tools.cFloor.flags}. `
  return {
    title,
    note: `${cNote}isolane: withIsolation(plan, () => {}) in one Node process. Ratios: median over ${windows.settings.rounds} rounds of (isolane median / C median) within the round, [p10-p90] of those. * target: <= 1.2x.${perCall}`,
    columns: ['configuration', 'C floor', 'isolane', 'isolane / C', 'isolane - C'],
    rows,
  }
}

function spawnTable(windows, tools) {
  if (!windows || windows.skipped) return null
  const over = (m) => (m ? `${signed(fix(m.overPlainUs.median / 1000))} ms [${signed(fix(m.overPlainUs.p10 / 1000))} to ${signed(fix(m.overPlainUs.p90 / 1000))}]` : '-')
  const rows = windows.configs.filter((c) => !c.skipped).map((c) => [c.label, over(c.spawn.isolane), over(c.spawn.unshare), over(c.spawn.bwrap), ratio(c.spawn.unshareToIsolane), ratio(c.spawn.bwrapToIsolane)])
  const missing = [tools.unshare.skipped && `unshare(1): ${tools.unshare.skipped}`, tools.unshare.note, tools.bwrap.skipped && `bwrap: ${tools.bwrap.skipped}`].filter(Boolean)
  return {
    title: '1b. A command (/bin/true) started in fresh namespaces: time over a plain spawn, median [p10 to p90]',
    note: `Plain spawnSync(/bin/true) from Node: ${spread(windows.spawnPlain, 1000)} ms. isolane: the window around spawnSync; unshare(1): flags plus a shell running ip, hostname and mount for the steps; bwrap always adds a mount namespace and lo up. Every sample is paired with a plain spawn of the same cycle. The last two columns: how many times longer than isolane to start the same command in the same namespaces.${missing.length ? ` ${missing.join('. ')}.` : ''}`,
    columns: ['configuration', 'isolane', 'unshare(1)', 'bwrap', 'unshare(1) / isolane', 'bwrap / isolane'],
    rows,
  }
}

function workerStartTable(ws) {
  if (!ws) return null
  const title = '2. Worker start: time until the child\'s first IPC message, ms, median [p10-p90]'
  if (ws.skipped) return { title, note: `skipped: ${ws.skipped}`, columns: [], rows: [] }
  return {
    title,
    note: `${ws.settings.pairs} pairs, alternating which fork goes first. Isolated: ${ws.via}, default set. Target: <= 1.02x.`,
    columns: ['plain fork', 'isolated fork', 'isolated / plain (paired)', 'difference'],
    rows: [[spread(ws.plainUs, 1000), spread(ws.isolatedUs, 1000), ratio(ws.ratio), `${fix(ws.differenceUs.median / 1000)} ms`]],
  }
}

function rootlessStartTable(rs) {
  if (!rs) return null
  const title = '2b. Worker start the user-namespace way (no root): time until the child\'s first IPC message, ms, median [p10-p90]'
  if (rs.skipped) return { title, note: `skipped: ${rs.skipped}`, columns: [], rows: [] }
  const rows = rs.variants.map((v) => [v.label, spread(v.readyUs, 1000), v.ratio ? ratio(v.ratio) : '1x', v.overBaselineUs ? `${signed(fix(v.overBaselineUs.median / 1000))} ms` : '-', spread(v.mainUs, 1000)])
  return {
    title,
    note:
      `${rs.settings.cycles} cycles, one fork of each variant per cycle, the order rotating; ratios and differences are taken within each cycle against its plain fork. ` +
      `The user-namespace way: the core's forkIn() with \`way: 'user-namespace'\`, default set with a hostname: ${rs.launcher}, whose preload (one bundled file) loads koffi's addon, runs the steps and drops the capabilities. ` +
      'Launcher only: the same unshare(1) flags, Node without the preload. Launcher + preload loaded: the preload with no plan to run (it returns before koffi is loaded). Privileged: the core\'s window around fork, as section 2. ' +
      `Run as ${rs.runAs}: root and a user without privilege take the same path (the launcher maps the caller's own uid; the child's preload does the rest with the capabilities of its user namespace). ` +
      `Last column: how long after the child's own start its main module ran (the preload runs before it). * target: <= ${TARGETS.rootlessStart}x.`,
    columns: ['variant', 'time to first message', 'to plain fork (paired)', 'over plain (paired)', 'child: start to main module'],
    rows,
  }
}

/** What the launcher and the child-side setup each cost: paired differences between the variants. */
function rootlessStagesTable(rs) {
  if (!rs || rs.skipped) return null
  const diff = (s) => (s && s.n ? `${signed(fix(s.median / 1000))} ms [${signed(fix(s.p10 / 1000))} to ${signed(fix(s.p90 / 1000))}]` : '-')
  return {
    title: '2c. Worker start the user-namespace way: what each stage costs, ms, median [p10 to p90]',
    note: 'Each stage is the paired difference, cycle by cycle, between the variant with it and the variant without it (section 2b). Parent: time to the first message; child: its own time from start to main module, which leaves out the fork, the launcher\'s exec and the IPC. On a shared machine single differences spread widely; the medians are what to read.',
    columns: ['stage', 'variants compared', 'parent: time to first message', 'child: start to main module'],
    rows: rs.stages.map((s) => [s.label, `${s.with} - ${s.without}`, diff(s.readyUs), diff(s.mainUs)]),
  }
}

function sustainedTable(sus) {
  if (!sus) return null
  const title = `3. Sustained: default-set windows back to back`
  if (sus.skipped) return { title, note: `skipped: ${sus.skipped}`, columns: [], rows: [] }
  const rows = []
  for (const run of sus.runs)
    run.workers.forEach((w, i) => {
      const v = w.verdict
      const n = run.netNamespaces
      rows.push([
        `${run.processes} process${run.processes > 1 ? 'es' : ''}${run.processes > 1 ? ` (#${i + 1})` : ''}`,
        i === 0 ? `${run.windowsPerSecond}` : '',
        `${v.firstRate} -> ${v.lastRate} (min ${v.minRate})`,
        `${signed(v.rssGrowthKiB)} / ${signed(v.heapGrowthKiB)}`,
        signed(v.fdGrowth),
        i === 0 ? (n.before === null ? 'n/a' : `${n.before} / ${n.peak} / ${n.afterSettle} (${n.settleMs} ms)`) : '',
      ])
    })
  return {
    title,
    note: `${sus.settings.windows} windows per process, sampled every ${sus.settings.sampleEvery} (after a full GC). Net namespaces: ${sus.netNamespaceSource}, machine-wide: before the run / peak during it / after it settled.`,
    columns: ['run', 'windows/s (all)', 'windows/s per block: first -> last (min)', 'RSS / heap growth KiB', 'fd growth', 'net ns before / peak / settled'],
    rows,
  }
}

const signed = (v) => (v > 0 ? `+${v}` : String(v))

/** Rate, memory, descriptors and the kernel's count block by block: the Markdown only. */
function sustainedBlocksTable(sus) {
  if (!sus || sus.skipped) return null
  const rows = []
  for (const run of sus.runs)
    run.workers.forEach((w, i) => {
      for (const s of w.samples.slice(1))
        rows.push([`${run.processes}p #${i + 1}`, s.windows, fix(s.perSecond), fix(s.medianUs), fix(s.p99Us), s.rssKiB, s.heapUsedKiB, s.fds, s.netNamespaces ?? 'n/a'])
    })
  return {
    title: '3b. Sustained, block by block',
    note: `Each row is one block of ${sus.settings.sampleEvery} windows, sampled after a full GC; the first sample (after warm-up, before any block) is in the JSON.`,
    columns: ['process', 'windows done', 'windows/s', 'median us', 'p99 us', 'RSS KiB', 'heap KiB', 'fds', 'net ns held'],
    rows,
    markdownOnly: true,
  }
}

function suitesTable(suites) {
  if (!suites) return null
  const rows = []
  for (const s of suites.suites) {
    if (s.skipped) {
      rows.push([s.name, 'skipped', s.skipped, ''])
      continue
    }
    if (s.rows.length === 0) rows.push([s.name, '-', s.note ?? '', ''])
    for (const r of s.rows) {
      const stock = s.rows.find((x) => x.name === s.stock)
      const p = r.p10Ms !== null && r.p90Ms !== null ? ` [${fix(r.p10Ms)}-${fix(r.p90Ms)}]` : ''
      rows.push([s.size ? `${s.name} (${s.size})` : s.name, r.name, `${fix(r.medianMs)}${p}`, stock ? `${fix(r.medianMs / stock.medianMs)}x` : '-'])
    }
  }
  const reused = suites.suites.filter((s) => s.reused).map((s) => `${s.name} from ${s.script}'s own run of ${s.reused}`)
  const runAs = suites.suites.find((s) => s.raw?.suite?.runAs)?.raw.suite.runAs
  const targets = `Targets, isolane / the stock parallel runner: ${suites.suites.map((s) => `${s.name} <= ${s.target ?? TARGETS.suites}x`).join('; ')}.`
  // What a suite says of itself (SUITES' `about`): how it differs from the others.
  const abouts = suites.suites.flatMap((s) => (s.about ? [` ${s.about}`] : [])).join('')
  const scripts = [...new Set(suites.suites.map((s) => s.script))].join(', ')
  const note = `Run by ${scripts}${reused.length ? ` (not re-run here: ${reused.join('; ')})` : ''}; ratio to the stock parallel runner of the same framework. No root: vitest-suite.js --rootless, both runners started by ${runAs ?? 'a user without privilege'}, the isolane pool taking the user-namespace way.${abouts} ${targets}`
  return { title: '4. Suites: wall time of the fixture suite, ms, median [p10-p90]', note, columns: ['suite', 'runner', 'wall time', 'to stock parallel'], rows }
}

/** Section 5: per way, each cost per task (paired differences), the core's call itself and the C floor. */
export function renewalTable(renewal, tools) {
  if (!renewal) return null
  const title = '5. Renewal of a reused worker, and the leftovers check: microseconds per task, median [p10-p90]'
  if (renewal.skipped) return { title, note: `skipped: ${renewal.skipped}`, columns: [], rows: [] }
  const rows = []
  for (const way of renewal.ways) {
    if (way.skipped) {
      rows.push([way.label, 'skipped', way.skipped, '', '', '', '', ''])
      continue
    }
    const plain = way.variants.find((v) => v.name === 'plain')
    rows.push([`${way.label}, as ${way.runAs}`, 'a task, no renewal, no check (the baseline)', spread(plain.perTaskUs), '-', '-', '-', '-', '-'])
    for (const cost of way.costs)
      rows.push(['', cost.label, spread(cost.differenceUs), cost.callUs ? spread(cost.callUs) : '-', cost.cUs ? spread(cost.cUs) : '-', cost.ratioToC ? ratio(cost.ratioToC) : '-', cost.callRatioToC ? ratio(cost.callRatioToC) : '-', ratio(cost.taskRatio)])
  }
  const settings = renewal.settings
  const cNote = tools?.cFloor?.skipped ? `No C floor: ${tools.cFloor.skipped}. ` : 'C floor: benchmarks/c/ns-window.c --renew (the user-namespace way with --user-namespace, run as the same user), the same syscalls from one C process set up once as a worker is. '
  return {
    title,
    note:
      `@isolane/pool with isolateWorkers: false, one reused worker per variant (its plan: ${[].concat(renewal.isolation).join('; ')}); ${settings.rounds} rounds, in each every variant runs ${settings.tasks} tasks one after the other and the C floor renews ${settings.tasks} times of each kind, the order rotating. ` +
      'Per task (column 3): the median task time (from run() to its result) with the renewal or the check, minus without, in the same round; the median over the rounds of that paired difference, [p10-p90] over the rounds. ' +
      'The call itself: the core\'s renewIsolation() timed inside a worker\'s task (after a task that left /tmp untouched, then after it left a file there); all samples. ' +
      `${cNote}isolane / C: per round, the per-task difference over the C floor's median renewal of the same round, median over the rounds; call / C likewise for the call itself. ` +
      'The last column: the median task time with over without, paired by round. The leftovers check runs in every worker after each of its tasks, so its cost per worker is this cost per task times the tasks it runs. No target: issue 11 asks for these costs, not a bound.',
    columns: ['way', 'what', 'per task, paired', 'the call itself', 'C floor', 'isolane / C', 'call / C', 'task with / without'],
    rows,
  }
}

function targetsTable(targets) {
  return {
    title: 'Targets',
    note: 'met: within the target; missed: over it (why says by how much and why); not measured: the reason is given.',
    columns: ['target', 'measured', 'result', 'why'],
    rows: targets.map((t) => [t.label, t.measured ?? '-', t.met === true ? 'met' : t.met === false ? 'missed' : 'not measured', t.why ?? '']),
    layout: 'list',
  }
}
