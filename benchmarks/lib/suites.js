// Section 4, host side: the fixture suites under each runner. Runs each suite script (../*-suite.js,
// passing --quick through), reads the result it writes (one shape for all, suite-result.js) and
// folds it in: each runner's wall time, and the isolane runner's paired ratio to the stock parallel
// runner with its interval, against the suite's target.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { round3 } from './stats.js'
import { SUITE_SCHEMA, suiteResultsPath } from './suite-result.js'
import { TARGETS } from './targets.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export const SUITES = [
  { name: 'vitest', script: 'benchmarks/vitest-suite.js', benchmark: 'vitest-suite', target: TARGETS.suites },
  // The same suite with Vitest's isolate: false for both runners (workers reused across files; the
  // isolane pool renews them before every file).
  {
    name: 'vitest (isolate: false)', id: 'vitest-no-isolate', script: 'benchmarks/vitest-suite.js', args: ['--no-isolate'], benchmark: 'vitest-no-isolate-suite', target: TARGETS.suites,
    about: "isolate: false: vitest-suite.js --no-isolate, both runners with Vitest's isolate: false (each worker reused across files; the isolane pool renews it before every file, section 5).",
  },
  // The same again with files that do some work each, as test files with real work do: the
  // suite's own files do almost nothing, so fixed and per-file costs weigh more there than they will.
  {
    name: 'vitest (isolate: false, files that work)', id: 'vitest-no-isolate-work', script: 'benchmarks/vitest-suite.js', args: ['--no-isolate', '--work'], benchmark: 'vitest-no-isolate-work-suite', target: TARGETS.suites,
    about: 'Files that work: --work, each file also does about 17 ms of CPU work (hashing, a JSON round trip), as test files with real work do; the others do almost nothing.',
  },
  // The same suite run by a user without privilege (as root: a user made for it), whose pool takes
  // the user-namespace way.
  { name: 'vitest (no root)', id: 'vitest-rootless', script: 'benchmarks/vitest-suite.js', args: ['--rootless'], benchmark: 'vitest-rootless-suite', target: TARGETS.rootlessSuites },
  { name: 'mocha', script: 'benchmarks/mocha-suite.js', benchmark: 'mocha-suite', target: TARGETS.mochaSuite },
  { name: 'jest', script: 'benchmarks/jest-suite.js', benchmark: 'jest-suite', target: TARGETS.jestSuite },
]

export async function benchSuites({ mode, log }) {
  const results = []
  for (const suite of SUITES) {
    const named = { name: suite.name, ...(suite.id && { id: suite.id }), target: suite.target, script: suite.script, ...(suite.about && { about: suite.about }) }
    // --reuse-suites: the suite script's own last full run, as written to its results file, not re-run here.
    const file = suiteResultsPath(suite.benchmark, { quick: mode.quick && !mode.reuseSuites })
    const shown = `benchmarks/results/${file.split('/').pop()}`
    if (mode.reuseSuites) {
      if (!existsSync(file)) {
        results.push({ ...named, skipped: `--reuse-suites: ${shown} does not exist (run ${[suite.script, ...(suite.args ?? [])].join(' ')} first)` })
        continue
      }
      const raw = JSON.parse(readFileSync(file, 'utf8'))
      const reused = raw.date ?? statSync(file).mtime.toISOString()
      log(`  reusing ${shown} (${reused})`)
      if (typeof raw.skipped === 'string') results.push({ ...named, reused, skipped: `${suite.script}'s run of ${reused}: ${raw.skipped}`, raw })
      else results.push({ ...named, reused, ...summarizeSuite(raw), raw })
      continue
    }
    const args = [...(suite.args ?? []), ...(mode.quick ? ['--quick'] : [])]
    log(`  ${suite.script} ${args.join(' ')}`)
    const startedAt = Date.now()
    const { code, signal } = await runScript(ROOT + suite.script, args, mode.quick ? 300_000 : 1_800_000)
    const fresh = existsSync(file) && statSync(file).mtimeMs >= startedAt - 1000
    const raw = fresh ? JSON.parse(readFileSync(file, 'utf8')) : null
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
      results.push({ ...named, args, skipped: `${suite.script} ran but wrote no fresh ${shown}` })
      continue
    }
    results.push({ ...named, args, ...summarizeSuite(raw), raw })
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
 * A suite's result (suite-result.js) as the report shows it: a row per runner (median wall time
 * and its p10-p90), which runner is isolane's and which the stock one, the paired ratio with its
 * 95% interval, the suite's size, and its explanation for a missed target.
 */
export function summarizeSuite(raw) {
  if (raw?.schema !== SUITE_SCHEMA) return { rows: [], ratio: null, note: `the results are not in the suite results' shape (schema ${SUITE_SCHEMA}, benchmarks/lib/suite-result.js): run the suite script again` }
  const rows = raw.variants.map((name) => {
    const wall = raw.wallMs[name]
    return { name, medianMs: wall.median, p10Ms: wall.p10, p90Ms: wall.p90, runs: wall.samples.length }
  })
  const { ratio, suite } = raw
  return {
    rows,
    size: `${suite.files} files, ${suite.rounds} round${suite.rounds === 1 ? '' : 's'}`,
    isolane: raw.isolane,
    stock: raw.stock,
    ratio: round3(ratio.median),
    ...(ratio.ciLow !== null && { ratioInterval: { low: round3(ratio.ciLow), high: round3(ratio.ciHigh) } }),
    ratioSource: ratio.method,
    ...(raw.explanation && { why: raw.explanation }),
  }
}
