// Section 4, host side: the fixture suites under each runner. The suite scripts are written by
// the adapters' authors (benchmarks/vitest-suite.js, benchmarks/mocha-suite.js); this runs each
// one that exists (passing --quick through), reads the JSON it writes to benchmarks/results/ and
// folds it in, picking out the isolane runner and the stock parallel runner it is compared to.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { round3, summarize } from './stats.js'
import { TARGETS } from './targets.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export const SUITES = [
  // quickArgs: a small run, for a script that has no --quick of its own (it gets those instead,
  // since an option it does not know could make it refuse to run). args: always passed.
  { name: 'vitest', script: 'benchmarks/vitest-suite.js', results: 'benchmarks/results/vitest-suite.json', isolane: /isolane/i, stock: /fork/i, serial: /serial|no.?parallel|single/i, quickArgs: ['--files=4', '--rounds=1'] },
  // The same suite with Vitest's isolate: false for both runners (workers reused across files; the
  // isolane pool renews them before every file).
  { name: 'vitest (isolate: false)', id: 'vitest-no-isolate', script: 'benchmarks/vitest-suite.js', args: ['--no-isolate'], results: 'benchmarks/results/vitest-no-isolate-suite.json', isolane: /isolane/i, stock: /fork/i, serial: /serial|no.?parallel|single/i, quickArgs: ['--files=4', '--rounds=1'], target: TARGETS.suites },
  // The same suite run by a user without privilege (as root: a user made for it), whose pool takes
  // the user-namespace way.
  { name: 'vitest (no root)', id: 'vitest-rootless', script: 'benchmarks/vitest-suite.js', args: ['--rootless'], results: 'benchmarks/results/vitest-rootless-suite.json', isolane: /isolane/i, stock: /fork/i, serial: /serial|no.?parallel|single/i, quickArgs: ['--files=4', '--rounds=1'], target: TARGETS.rootlessSuites },
  { name: 'mocha', script: 'benchmarks/mocha-suite.js', results: 'benchmarks/results/mocha-suite.json', isolane: /isolane/i, stock: /parallel/i, serial: /serial/i, quickArgs: ['--files=4', '--rounds=1'], target: TARGETS.mochaSuite },
  { name: 'jest', script: 'benchmarks/jest-suite.js', results: 'benchmarks/results/jest-suite.json', isolane: /isolane/i, stock: /stock/i, serial: /serial|runInBand/i, quickArgs: ['--files=4', '--rounds=1'], target: TARGETS.jestSuite },
]

export async function benchSuites({ mode, log }) {
  const results = []
  for (const suite of SUITES) {
    const script = ROOT + suite.script
    const named = { name: suite.name, ...(suite.id && { id: suite.id }), ...(suite.target && { target: suite.target }), script: suite.script }
    if (!existsSync(script)) {
      results.push({ ...named, skipped: `${suite.script} does not exist yet (it comes with the ${suite.name} adapter)` })
      continue
    }
    const file = ROOT + suite.results
    if (mode.reuseSuites) {
      // The suite script's own last run, as written to its results file: not re-run here.
      if (!existsSync(file)) {
        results.push({ ...named, skipped: `--reuse-suites: ${suite.results} does not exist (run ${[suite.script, ...(suite.args ?? [])].join(' ')} first)` })
        continue
      }
      const raw = JSON.parse(readFileSync(file, 'utf8'))
      const reused = raw.date ?? statSync(file).mtime.toISOString()
      log(`  reusing ${suite.results} (${reused})`)
      if (typeof raw.skipped === 'string') results.push({ ...named, reused, skipped: `${suite.script}'s run of ${reused}: ${raw.skipped}`, raw })
      else results.push({ ...named, reused, ...summarizeSuite(suite, raw), raw })
      continue
    }
    const args = [...(suite.args ?? []), ...(mode.quick ? (readFileSync(script, 'utf8').includes('quick') ? ['--quick'] : suite.quickArgs) : [])]
    log(`  ${suite.script} ${args.join(' ')}`)
    // A quick run must not replace the suite's committed full results: keep them to put back.
    const fullResults = mode.quick && existsSync(file) ? readFileSync(file) : null
    const startedAt = Date.now()
    const { code, signal } = await runScript(script, args, mode.quick ? 300_000 : 1_800_000)
    // A quick run may go to *-suite.quick.json, so as not to overwrite the committed full results.
    const written = [...(mode.quick ? [file.replace(/\.json$/, '.quick.json')] : []), file].find((f) => existsSync(f) && statSync(f).mtimeMs >= startedAt - 1000)
    const raw = written ? JSON.parse(readFileSync(written, 'utf8')) : null
    if (fullResults && written === file) writeFileSync(file, fullResults)
    // A script that could not run says why in its results (`skipped`), whatever its exit status.
    if (typeof raw?.skipped === 'string') {
      results.push({ ...named, args, skipped: raw.skipped, raw })
      continue
    }
    if (code !== 0) {
      results.push({ ...named, args, skipped: `${suite.script} failed (${signal ?? `exit ${code}`}); its output is above` })
      continue
    }
    if (!raw) {
      results.push({ ...named, args, skipped: `${suite.script} ran but wrote no fresh ${suite.results}` })
      continue
    }
    results.push({ ...named, args, ...summarizeSuite(suite, raw), raw })
  }
  return { suites: results }
}

function runScript(script, args, timeoutMs) {
  return new Promise((resolve) => {
    // The suite's own output goes to stderr: stdout is this runner's table.
    const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', () => resolve({ code: -1, signal: null }))
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal })
    })
  })
}

/**
 * The suite scripts choose their own JSON; this finds the runners in it: `medianMs` or `medians`
 * as an object keyed by runner (with `samplesMs` or `samples` likewise for the spread), or an array (under `runners`, `runs`,
 * `results` or `rows`) of objects with a name and a median time in ms (`medianMs`, `median`, `ms`)
 * or µs (`medianUs`). A ratio the script computed (`ratio`, or `ratios.isolaneVs*Parallel*`, `ratios.isolaneOverForks`) wins,
 * described by its `ratioMethod` where it gives one.
 */
export function summarizeSuite(suite, raw) {
  const rows = runnerRows(raw)
  const why = typeof raw?.explanation === 'string' ? raw.explanation : typeof raw?.why === 'string' ? raw.why : undefined
  if (rows.length === 0) return { rows, why, note: 'no runner with a median time found in the JSON; shown raw only' }
  const isolane = rows.find((r) => suite.isolane.test(r.name))
  const stock = rows.find((r) => r !== isolane && suite.stock.test(r.name) && !suite.serial.test(r.name) && !suite.isolane.test(r.name))
  const given = givenRatio(raw)
  const ratio = given ?? (isolane && stock ? isolane.medianMs / stock.medianMs : null)
  const files = raw?.suite?.files ?? raw?.files
  const rounds = raw?.rounds ?? raw?.suite?.rounds
  const size = [files !== undefined && `${files} files`, rounds !== undefined && `${rounds} round${rounds === 1 ? '' : 's'}`].filter(Boolean).join(', ') || null
  // The 95% interval of a ratio the script gives one for (`ratioInterval: { low, high }`).
  const interval = given !== undefined && typeof raw?.ratioInterval?.low === 'number' && typeof raw?.ratioInterval?.high === 'number' ? { low: round3(raw.ratioInterval.low), high: round3(raw.ratioInterval.high) } : undefined
  return { rows, size, isolane: isolane?.name ?? null, stock: stock?.name ?? null, ratio: round3(ratio), ...(interval && { ratioInterval: interval }), ratioSource: given === undefined ? 'ratio of medians' : typeof raw?.ratioMethod === 'string' ? raw.ratioMethod : 'computed by the suite script', why }
}

function givenRatio(raw) {
  if (typeof raw?.ratio === 'number') return raw.ratio
  if (typeof raw?.ratio?.median === 'number') return raw.ratio.median
  const key = Object.keys(raw?.ratios ?? {}).find((k) => /^isolane.*(vs|over).*(parallel|fork|stock)/i.test(k))
  return key && typeof raw.ratios[key] === 'number' ? raw.ratios[key] : undefined
}

function runnerRows(raw) {
  const medians = [raw?.medianMs, raw?.medians].find((m) => m && typeof m === 'object' && !Array.isArray(m))
  if (medians) {
    const allSamples = [raw.samplesMs, raw.samples].find((m) => m && typeof m === 'object' && !Array.isArray(m)) ?? {}
    return Object.entries(medians)
      .filter(([, ms]) => typeof ms === 'number')
      .map(([name, ms]) => {
        const samples = Array.isArray(allSamples[name]) ? allSamples[name] : []
        const s = samples.length ? summarize(samples) : null
        return { name, medianMs: round3(ms), p10Ms: round3(s?.p10 ?? null), p90Ms: round3(s?.p90 ?? null), runs: samples.length || null }
      })
  }
  const list = ['runners', 'runs', 'results', 'rows'].map((key) => raw?.[key]).find((value) => value && typeof value === 'object')
  const entries = Array.isArray(list) ? list.map((v) => [v?.name ?? v?.runner ?? v?.label, v]) : Object.entries(list ?? {})
  const rows = []
  for (const [name, value] of entries) {
    if (typeof name !== 'string' || !value || typeof value !== 'object') continue
    const ms = medianMsOf(value)
    if (ms === null) continue
    rows.push({ name, medianMs: round3(ms), p10Ms: round3(spreadMsOf(value, 'p10')), p90Ms: round3(spreadMsOf(value, 'p90')), runs: value.runs?.length ?? value.n ?? value.samples?.length ?? null })
  }
  return rows
}

function medianMsOf(v) {
  if (typeof v.medianMs === 'number') return v.medianMs
  if (typeof v.medianUs === 'number') return v.medianUs / 1000
  if (typeof v.median === 'number') return v.median
  if (typeof v.ms?.median === 'number') return v.ms.median
  if (typeof v.wallMs?.median === 'number') return v.wallMs.median
  if (typeof v.ms === 'number') return v.ms
  return null
}

function spreadMsOf(v, q) {
  const key = `${q}Ms`
  if (typeof v[key] === 'number') return v[key]
  if (typeof v[q] === 'number') return v[q]
  if (typeof v.ms?.[q] === 'number') return v.ms[q]
  if (typeof v.wallMs?.[q] === 'number') return v.wallMs[q]
  return null
}
