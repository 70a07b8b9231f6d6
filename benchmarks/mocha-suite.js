#!/usr/bin/env node
// isolane-mocha against `mocha --parallel` (same --jobs) and serial `mocha`, on a generated suite
// of 60+ spec files, side by side in one run: the median wall time of each over rounds, and the
// ratios. isolane-mocha runs in both its modes: the default (--jobs workers reused across files
// as mocha --parallel reuses its own, each in fresh namespaces renewed before every file) and
// `--isolane-no-reuse-workers` (a fresh worker process per file). A fifth variant, a fresh process
// per file with `--isolane-namespaces none`, separates what the fresh process per file costs from
// what the fresh namespaces cost.
// Usage: node benchmarks/mocha-suite.js [--quick] [--files N] [--rounds N] [--jobs N] (--help lists
// them). Rounds, timing and the results (results/mocha-suite.json, --quick: mocha-suite.quick.json)
// are lib/suite-harness.js's and lib/suite-result.js's. Needs a built workspace and root.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { canIsolate } from '@isolane/core'
import { inFreshDir, printSuiteResult, runRounds, signed, suiteArgs, timed } from './lib/suite-harness.js'
import { suiteResult, writeSuiteResult } from './lib/suite-result.js'
import { median } from './lib/stats.js'
import { TARGETS } from './lib/targets.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const isolaneMocha = join(root, 'packages/mocha/bin/isolane-mocha.js')
const mocha = createRequire(join(root, 'packages/mocha/package.json')).resolve('mocha/bin/mocha.js')
const args = suiteArgs('mocha-suite.js', { files: { full: 60, quick: 12 }, rounds: { full: 11, quick: 1 }, options: { jobs: { type: 'count', default: 2, help: 'worker processes of each parallel runner (default 2)' } } })
const JOBS = args.jobs
/** A spec file of an ordinary unit-test kind: a few synchronous tests, a hook, one short async test. */
function specFile(index) {
  return `const assert = require('node:assert')
const { createHash } = require('node:crypto')

describe('module ${index}', () => {
  let input
  beforeEach(() => {
    input = Array.from({ length: 200 }, (_, i) => i * ${index + 1})
  })
  it('sums', () => {
    assert.strictEqual(input.reduce((a, b) => a + b, 0), ${(index + 1) * 19900})
  })
  it('hashes', () => {
    assert.strictEqual(createHash('sha256').update(String(input)).digest('hex').length, 64)
  })
  it('sorts', () => {
    assert.deepStrictEqual([...input].reverse().sort((a, b) => a - b), input)
  })
  it('waits a little', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5))
  })
})
`
}

const ISOLANE = 'isolane-mocha'
const FRESH = 'isolane-mocha --isolane-no-reuse-workers'
const BARE = 'isolane-mocha, fresh process per file, no namespaces'
const PARALLEL = 'mocha --parallel'
const SERIAL = 'mocha (serial)'
// The compared pair first in each round, back to back, which one first alternating (as the Vitest
// suite does); then the rest. In rotating order either of the pair could follow a fresh process per
// file (7-8 s of both cores, 60 network namespaces for the kernel to tear down after it).
const VARIANTS = [
  { name: ISOLANE, bin: isolaneMocha, args: ['--jobs', String(JOBS)] },
  { name: PARALLEL, bin: mocha, args: ['--parallel', '--jobs', String(JOBS)] },
  { name: FRESH, bin: isolaneMocha, args: ['--jobs', String(JOBS), '--isolane-no-reuse-workers'] },
  { name: BARE, bin: isolaneMocha, args: ['--jobs', String(JOBS), '--isolane-no-reuse-workers', '--isolane-namespaces', 'none'] },
  { name: SERIAL, bin: mocha, args: [] },
]

/** Runs `node ...nodeArgs` to its end; rejects if it fails or `check(stdout)` names a problem. */
function node(nodeArgs, check) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, nodeArgs, { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const problem = error ? error.message : check?.(stdout)
      if (problem) reject(new Error(`node ${nodeArgs.join(' ')} failed: ${problem}\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`))
      else resolve()
    })
  })
}

function runVariant({ bin, args: variantArgs }, suiteDir) {
  return node([bin, ...variantArgs, '--reporter', 'dot', suiteDir], (stdout) => {
    const passing = Number(/(\d+) passing/.exec(stdout)?.[1] ?? 0)
    return passing === args.files * 4 ? undefined : `${passing} passing of ${args.files * 4}`
  })
}

/** What a fresh worker pays before its file: a Node start, and a Node start that loads Mocha (CPU ms, median of 5). */
async function baselines() {
  const mochaDir = join(root, 'packages/mocha')
  const script = `process.chdir(${JSON.stringify(mochaDir)}); require(require.resolve('mocha/lib/mocha.cjs', { paths: [process.cwd()] }))`
  const runs = { nodeStart: [], nodeStartLoadingMocha: [] }
  for (let i = 0; i < 5; i++) {
    runs.nodeStart.push((await timed(() => node(['-e', '0']))).cpuMs)
    runs.nodeStartLoadingMocha.push((await timed(() => node(['-e', script]))).cpuMs)
  }
  return { nodeStartCpuMs: Math.round(median(runs.nodeStart)), nodeStartLoadingMochaCpuMs: Math.round(median(runs.nodeStartLoadingMocha)) }
}

/** What the result's medians say per file, and how much of a fresh process per file the namespaces are. */
function perFile(measured) {
  const wall = (name) => median(measured.wallMs[name])
  const cpu = (name) => median(measured.cpuMs[name])
  return {
    namespacesShareOfFreshProcess: Math.round(((wall(FRESH) - wall(BARE)) / wall(FRESH)) * 100) / 100,
    // What the namespaces cost a file of a fresh process (cpuPerFileOverStockMs has the rest).
    namespacesPerFileCpuMs: Math.round((cpu(FRESH) - cpu(BARE)) / args.files),
    // Wall time, spread over the --jobs workers.
    perFileMs: {
      isolaneOverParallel: Math.round(((wall(ISOLANE) - wall(PARALLEL)) * JOBS * 100) / args.files) / 100,
      namespacesOverFreshProcess: Math.round(((wall(FRESH) - wall(BARE)) * JOBS * 100) / args.files) / 100,
      freshProcessOverParallel: Math.round(((wall(FRESH) - wall(PARALLEL)) * JOBS * 100) / args.files) / 100,
    },
  }
}

const capability = canIsolate(['net', 'mnt', 'ipc', 'uts'])
if (!capability.ok) {
  process.stderr.write(`mocha-suite.js: cannot run isolane-mocha here: ${capability.reason}\n`)
  process.exit(1)
}
// Not under os.tmpdir(): the workers get a private /tmp, so a suite there would be hidden from them.
// One directory per run (fixtures/mocha/.gitignore ignores them).
const measured = await inFreshDir(join(root, 'fixtures/mocha/many-files-'), (suiteDir) => {
  for (let i = 0; i < args.files; i++) writeFileSync(join(suiteDir, `module-${String(i).padStart(3, '0')}.spec.cjs`), specFile(i))
  return runRounds({ variants: VARIANTS, rounds: args.rounds, warmUp: !args.quick, order: 'pair first', run: (variant) => runVariant(variant, suiteDir), pair: [ISOLANE, PARALLEL] })
})
const baseline = await baselines()
const result = suiteResult({
  benchmark: 'mocha-suite',
  quick: args.quick,
  suite: { files: args.files, rounds: args.rounds, warmUp: !args.quick, order: 'pair first', testsPerFile: 4, jobs: JOBS },
  variants: VARIANTS.map((v) => v.name),
  isolane: ISOLANE,
  stock: PARALLEL,
  compare: [[ISOLANE, SERIAL], [FRESH, SERIAL], [PARALLEL, SERIAL], [ISOLANE, FRESH]],
  target: TARGETS.mochaSuite,
  measured,
  explanation:
    'mocha --parallel forks --jobs worker processes once and runs every file in them; isolane-mocha by default does ' +
    'the same, each worker forked into fresh namespaces, and renews the worker before every file (fresh net, uts ' +
    'and ipc namespaces, empty /tmp and /dev/shm) and stops what the file left running: ratio is that mode. With ' +
    '--isolane-no-reuse-workers it forks a fresh Node process per spec file, so each file pays a Node start and ' +
    'loading Mocha (own.baseline.nodeStartLoadingMochaCpuMs) instead of sharing them; the "no namespaces" variant of ' +
    'that mode shows how little of it is the namespaces (own.namespacesPerFileCpuMs). ' +
    'Wall times depend on the load of the machine (loadAverageByRound); the CPU times do not.',
  own: { baseline, ...perFile(measured) },
})
const file = writeSuiteResult(result)
printSuiteResult(result, file)
const overParallel = result.cpuPerFileOverStockMs
process.stdout.write(`a Node start: ${baseline.nodeStartCpuMs} ms CPU; a Node start loading Mocha: ${baseline.nodeStartLoadingMochaCpuMs} ms CPU; per file ${signed(overParallel[ISOLANE])} ms CPU over mocha --parallel, with a fresh process ${signed(overParallel[FRESH])} ms, of which the namespaces ${signed(result.own.namespacesPerFileCpuMs)} ms\n`)
