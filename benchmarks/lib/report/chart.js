// A hand-written SVG of the ratios: one group of horizontal bars per section, each with its own
// scale, a line at 1x, the target as a dashed red line, and p10-p90 whiskers where known.
import { DEFAULT_CONFIG } from '../configs.js'
import { TARGETS } from '../targets.js'

const PLOT = 460
const CHAR = 7.2 // about the width of a 13 px character, for the label column
const BAR = 16
const ROW = 24
const COLORS = { met: '#2f9e44', missed: '#e8590c', neutral: '#4263eb', whisker: '#212529', grid: '#adb5bd', target: '#e03131' }

export function renderChart(results) {
  const groups = [windowGroup(results.sections.windows), spawnGroup(results.sections.windows), workerGroup(results.sections.workerStart), rootlessGroup(results.sections.rootlessStart), sustainedGroup(results.sections.sustained), suitesGroup(results.sections.suites), renewalGroup(results.sections.renewal)].filter((g) => g && g.bars.length > 0)
  // The label column fits the longest label; the plot and its value labels come after it.
  LABEL = Math.max(300, Math.ceil(Math.max(...groups.flatMap((g) => g.bars.map((b) => b.label.length))) * CHAR) + 24)
  WIDTH = LABEL + PLOT + 150
  let y = 56
  const parts = []
  for (const group of groups) {
    parts.push(drawGroup(group, y))
    y += 40 + group.bars.length * ROW + 24
  }
  const height = y + 10
  const title = `isolane benchmarks, ${results.mode} run, ${results.finishedAt.slice(0, 10)}: ratios (lower is better)`
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="13">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="16" y="28" font-size="16" font-weight="600" fill="#212529">${esc(title)}</text>
<text x="16" y="46" font-size="11" fill="#495057">${esc(`${results.machine.cpuModel}, ${results.machine.cpus} CPUs, Linux ${results.machine.kernel}, Node ${results.machine.node}. Bars: median; whiskers: p10-p90; red dashes: target.`)}</text>
${parts.join('\n')}
</svg>
`
}

let LABEL = 300
let WIDTH = 910

function drawGroup(group, top) {
  const max = Math.max(1.1, ...group.bars.map((b) => Math.max(b.value, b.p90 ?? 0)), ...group.bars.map((b) => (b.target ?? 0) * 1.1)) * 1.05
  const x = (v) => LABEL + (v / max) * PLOT
  const out = [`<text x="16" y="${top + 14}" font-weight="600" fill="#212529">${esc(group.title)}</text>`]
  const plotTop = top + 24
  const plotBottom = plotTop + group.bars.length * ROW
  out.push(`<line x1="${x(1)}" y1="${plotTop - 4}" x2="${x(1)}" y2="${plotBottom}" stroke="${COLORS.grid}" stroke-dasharray="2,3"/>`)
  out.push(`<text x="${x(1)}" y="${plotBottom + 13}" font-size="10" text-anchor="middle" fill="#868e96">1x</text>`)
  group.bars.forEach((bar, i) => {
    const yBar = plotTop + i * ROW
    const color = bar.target === undefined ? COLORS.neutral : bar.value <= bar.target ? COLORS.met : COLORS.missed
    out.push(`<text x="${LABEL - 8}" y="${yBar + BAR - 3}" text-anchor="end" fill="#343a40">${esc(bar.label)}</text>`)
    out.push(`<rect x="${LABEL}" y="${yBar}" width="${Math.max(1, x(bar.value) - LABEL).toFixed(1)}" height="${BAR}" fill="${color}" rx="2"/>`)
    if (bar.p10 !== undefined && bar.p90 !== undefined) {
      const mid = yBar + BAR / 2
      out.push(`<line x1="${x(bar.p10).toFixed(1)}" y1="${mid}" x2="${x(bar.p90).toFixed(1)}" y2="${mid}" stroke="${COLORS.whisker}" stroke-width="1"/>`)
      for (const v of [bar.p10, bar.p90]) out.push(`<line x1="${x(v).toFixed(1)}" y1="${mid - 4}" x2="${x(v).toFixed(1)}" y2="${mid + 4}" stroke="${COLORS.whisker}"/>`)
    }
    if (bar.target !== undefined) {
      out.push(`<line x1="${x(bar.target).toFixed(1)}" y1="${yBar - 3}" x2="${x(bar.target).toFixed(1)}" y2="${yBar + BAR + 3}" stroke="${COLORS.target}" stroke-width="2" stroke-dasharray="3,2"/>`)
    }
    const valueX = Math.max(x(bar.value), bar.p90 !== undefined ? x(bar.p90) : 0, bar.target !== undefined ? x(bar.target) : 0) + 6
    out.push(`<text x="${valueX.toFixed(1)}" y="${yBar + BAR - 3}" fill="#212529">${esc(`${bar.value}x${bar.target !== undefined ? ` (target ${bar.target}x)` : ''}`)}</text>`)
  })
  return out.join('\n')
}

function windowGroup(windows) {
  if (!windows || windows.skipped) return null
  const bars = windows.configs
    .filter((c) => c.ratioToC)
    .map((c) => ({ label: c.label, value: c.ratioToC.median, p10: c.ratioToC.p10, p90: c.ratioToC.p90, target: c.name === DEFAULT_CONFIG ? TARGETS.window : undefined }))
  return { title: '1. Isolation window: isolane / C floor (same syscalls)', bars }
}

function spawnGroup(windows) {
  if (!windows || windows.skipped) return null
  const config = windows.configs.find((c) => c.name === DEFAULT_CONFIG && !c.skipped)
  if (!config) return null
  const bars = []
  for (const [key, label] of [['isolane', 'isolane window + spawn'], ['unshare', 'unshare(1) + sh, ip, hostname, mount'], ['bwrap', 'bwrap']]) {
    const m = config.spawn[key]
    if (m) bars.push({ label, value: m.ratioToPlain.median, p10: m.ratioToPlain.p10, p90: m.ratioToPlain.p90 })
  }
  return { title: '1b. Start /bin/true in the default set of fresh namespaces: time / plain spawn', bars }
}

function workerGroup(ws) {
  if (!ws || ws.skipped) return null
  return { title: '2. Worker start: isolated fork / plain fork (paired)', bars: [{ label: 'default set', value: ws.ratio.median, p10: ws.ratio.p10, p90: ws.ratio.p90, target: TARGETS.workerStart }] }
}

function rootlessGroup(rs) {
  if (!rs || rs.skipped) return null
  const bars = rs.variants.filter((v) => v.ratio).map((v) => ({ label: v.label.replace(/ \*$/, ''), value: v.ratio.median, p10: v.ratio.p10, p90: v.ratio.p90, target: v.name === 'userNamespace' ? TARGETS.rootlessStart : undefined }))
  return { title: '2b. Worker start the user-namespace way (no root): each variant / plain fork (paired)', bars }
}

function sustainedGroup(sus) {
  if (!sus || sus.skipped) return null
  const bars = []
  for (const run of sus.runs)
    run.workers.forEach((w, i) => {
      const rates = w.samples.map((s) => s.perSecond).filter((r) => r !== null)
      if (rates.length < 2) return
      // Time per window in the last block against the first (first rate / last rate): above 1x
      // the windows got slower as the run went on.
      const value = Number((rates[0] / rates.at(-1)).toFixed(3))
      bars.push({ label: `${run.processes} process${run.processes > 1 ? `es, #${i + 1}` : ''}: last / first block`, value })
    })
  return { title: `3. Sustained (${sus.settings.windows} windows each): time per window, last block / first block`, bars }
}

function suitesGroup(suites) {
  if (!suites) return null
  const bars = []
  for (const s of suites.suites) {
    const stock = s.rows?.find((r) => r.name === s.stock)
    if (!stock) continue
    for (const r of s.rows) {
      if (r === stock) continue
      // The isolane runner's ratio as the targets read it (the script's own, where it gives one).
      const value = r.name === s.isolane && s.ratio !== null ? s.ratio : Number((r.medianMs / stock.medianMs).toFixed(3))
      bars.push({ label: `${s.name}: ${r.name}`, value, target: r.name === s.isolane ? (s.target ?? TARGETS.suites) : undefined })
    }
  }
  return { title: '4. Suites: wall time / stock parallel runner', bars }
}

/** Section 5: each renewal per task and the core's call over the C floor, and a task with the leftovers check over one without (no target). */
export function renewalGroup(renewal) {
  if (!renewal || renewal.skipped) return null
  const bars = []
  const bar = (label, s) => s && s.median !== null && bars.push({ label, value: s.median, p10: s.p10, p90: s.p90 })
  for (const way of renewal.ways) {
    if (way.skipped) continue
    const short = way.name === 'privileged' ? 'root' : 'no root'
    for (const cost of way.costs) {
      if (cost.c) {
        const what = cost.c === 'left' ? 'fresh /tmp' : '/tmp kept'
        bar(`${short}: renewal per task, ${what} / C`, cost.ratioToC)
        bar(`${short}: renewIsolation(), ${what} / C`, cost.callRatioToC)
      } else bar(`${short}: leftovers check, task with / without`, cost.taskRatio)
    }
  }
  return { title: '5. Renewal of a reused worker: isolane / C floor (same syscalls); leftovers check: with / without', bars }
}

function esc(text) {
  return String(text).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}
