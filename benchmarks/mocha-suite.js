#!/usr/bin/env node
// isolane-mocha against `mocha --parallel` (same --jobs) and serial `mocha`, on a generated suite
// of 60+ spec files, side by side in one run: the median wall time of each over rounds, and the
// ratios. isolane-mocha runs in both its modes: the default (--jobs workers reused across files
// as mocha --parallel reuses its own, each in fresh namespaces renewed before every file) and
// `--isolane-no-reuse-workers` (a fresh worker process per file). A fifth variant, a fresh process
// per file with `--isolane-namespaces none`, separates what the fresh process per file costs from
// what the fresh namespaces cost.
// Usage: node benchmarks/mocha-suite.js [--quick] [--files=N] [--rounds=N] [--jobs=N]
// (--quick: a smoke run, 12 files, 1 round, no warm-up). Writes benchmarks/results/mocha-suite.json,
// or mocha-suite.quick.json for --quick, so that a smoke run leaves the full results alone.
// Needs a built workspace (`npx tsc -b`) and root.
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { canIsolate } from '@isolane/core'

const root = fileURLToPath(new URL('..', import.meta.url))
const isolaneMocha = join(root, 'packages/mocha/bin/isolane-mocha.js')
const mocha = createRequire(join(root, 'packages/mocha/package.json')).resolve('mocha/bin/mocha.js')
// Not under os.tmpdir(): the workers get a private /tmp, so a suite there would be hidden from them.
// One directory per run (fixtures/mocha/.gitignore ignores them), removed at the end.
let suiteDir

function option(name, fallback) {
  const arg = process.argv.slice(2).find((a) => a.startsWith(`--${name}=`))
  const value = arg === undefined ? fallback : Number(arg.slice(name.length + 3))
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`mocha-suite.js: --${name} must be a positive integer\n`)
    process.exit(2)
  }
  return value
}

const QUICK = process.argv.includes('--quick')
const FILES = option('files', QUICK ? 12 : 60)
const ROUNDS = option('rounds', QUICK ? 1 : 5)
const JOBS = option('jobs', 2)
// benchmarks/lib/suites.js looks for a --quick run's results in *-suite.quick.json first.
const resultsFile = join(root, `benchmarks/results/mocha-suite${QUICK ? '.quick' : ''}.json`)

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

const FRESH = 'isolane-mocha --isolane-no-reuse-workers'
const VARIANTS = [
  // First: benchmarks/lib/suites.js takes the first runner named isolane as the one it reports.
  { name: 'isolane-mocha', bin: isolaneMocha, args: ['--jobs', String(JOBS)] },
  { name: FRESH, bin: isolaneMocha, args: ['--jobs', String(JOBS), '--isolane-no-reuse-workers'] },
  { name: 'isolane-mocha, fresh process per file, no namespaces', bin: isolaneMocha, args: ['--jobs', String(JOBS), '--isolane-no-reuse-workers', '--isolane-namespaces', 'none'] },
  { name: 'mocha --parallel', bin: mocha, args: ['--parallel', '--jobs', String(JOBS)] },
  { name: 'mocha (serial)', bin: mocha, args: [] },
]

/**
 * CPU time (user + system, ms) of this process's waited-for children and, through them, of their
 * waited-for descendants (cutime + cstime, proc(5)): every worker of a run counts, whatever the
 * load of the machine, which wall time does not show.
 */
const TICK_MS = 1000 / 100 // USER_HZ is 100 on Linux
function childrenCpuMs() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')
  return (Number(fields[13]) + Number(fields[14])) * TICK_MS
}

/** Runs `node ...args` once: its wall time and the CPU time of it and all its children. */
function measure(args, check) {
  return new Promise((resolve, reject) => {
    const cpuBefore = childrenCpuMs()
    const start = process.hrtime.bigint()
    execFile(process.execPath, args, { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6
      const problem = error ? error.message : check?.(stdout)
      if (problem) reject(new Error(`node ${args.join(' ')} failed: ${problem}\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`))
      else resolve({ wallMs, cpuMs: childrenCpuMs() - cpuBefore })
    })
  })
}

function timeRun({ bin, args }) {
  return measure([bin, ...args, '--reporter', 'dot', suiteDir], (stdout) => {
    const passing = Number(/(\d+) passing/.exec(stdout)?.[1] ?? 0)
    return passing === FILES * 4 ? undefined : `${passing} passing of ${FILES * 4}`
  })
}

/** What a fresh worker pays before its file: a Node start, and a Node start that loads Mocha. */
async function baselines() {
  const mochaDir = join(root, 'packages/mocha')
  const script = `process.chdir(${JSON.stringify(mochaDir)}); require(require.resolve('mocha/lib/mocha.cjs', { paths: [process.cwd()] }))`
  const runs = { nodeStart: [], nodeStartLoadingMocha: [] }
  for (let i = 0; i < 5; i++) {
    runs.nodeStart.push((await measure(['-e', '0'])).cpuMs)
    runs.nodeStartLoadingMocha.push((await measure(['-e', script])).cpuMs)
  }
  return { nodeStartCpuMs: Math.round(median(runs.nodeStart)), nodeStartLoadingMochaCpuMs: Math.round(median(runs.nodeStartLoadingMocha)) }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

async function main() {
  const capability = canIsolate(['net', 'mnt', 'ipc', 'uts'])
  if (!capability.ok) {
    process.stderr.write(`mocha-suite.js: cannot run isolane-mocha here: ${capability.reason}\n`)
    process.exit(1)
  }
  suiteDir = mkdtempSync(join(root, 'fixtures/mocha/many-files-'))
  const cleanUp = () => rmSync(suiteDir, { recursive: true, force: true })
  process.once('SIGINT', () => {
    cleanUp()
    process.exit(130)
  })
  try {
    for (let i = 0; i < FILES; i++) writeFileSync(join(suiteDir, `module-${String(i).padStart(3, '0')}.spec.cjs`), specFile(i))
    const times = Object.fromEntries(VARIANTS.map((v) => [v.name, []]))
    const cpu = Object.fromEntries(VARIANTS.map((v) => [v.name, []]))
    // One warm-up run of each (file cache, JIT of the tools), then rounds in rotating order so
    // that no variant always runs first or last.
    if (!QUICK) for (const variant of VARIANTS) await timeRun(variant)
    for (let round = 0; round < ROUNDS; round++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length])
      for (const variant of order) {
        const { wallMs, cpuMs } = await timeRun(variant)
        times[variant.name].push(wallMs)
        cpu[variant.name].push(cpuMs)
      }
      process.stderr.write(`round ${round + 1}/${ROUNDS}: ${order.map((v) => `${v.name} ${times[v.name].at(-1).toFixed(0)} ms`).join(', ')}\n`)
    }
    return report(times, cpu, await baselines(), os.loadavg())
  } finally {
    cleanUp()
  }
}

function report(times, cpu, baseline, loadAverage) {
  // Paired by round (the variants of a round ran back to back): steadier than a ratio of medians
  // on a machine whose load changes.
  const pairedWith = (name) => times[name].map((ms, i) => ms / times['mocha --parallel'][i])
  const paired = pairedWith('isolane-mocha')
  const pairedFresh = pairedWith(FRESH)
  const medians = Object.fromEntries(Object.entries(times).map(([name, values]) => [name, Math.round(median(values))]))
  const isolane = medians['isolane-mocha']
  const bare = medians['isolane-mocha, fresh process per file, no namespaces']
  const fresh = medians[FRESH]
  const parallel = medians['mocha --parallel']
  const serial = medians['mocha (serial)']
  const cpuMedians = Object.fromEntries(Object.entries(cpu).map(([name, values]) => [name, Math.round(median(values))]))
  const cpuIsolane = cpuMedians['isolane-mocha']
  const cpuParallel = cpuMedians['mocha --parallel']
  const cpuFresh = cpuMedians[FRESH]
  const result = {
    benchmark: 'mocha-suite',
    date: new Date().toISOString(),
    machine: { node: process.versions.node, kernel: os.release(), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim(), loadAverageAtEnd: loadAverage.map(round2) },
    quick: QUICK,
    suite: { files: FILES, testsPerFile: 4, jobs: JOBS, rounds: ROUNDS },
    medianMs: medians,
    samplesMs: Object.fromEntries(Object.entries(times).map(([name, values]) => [name, values.map((v) => Math.round(v))])),
    // The default mode (reused workers, renewed per file): what benchmarks/lib/suites.js reports.
    ratio: { median: round2(median(paired)), perRound: paired.map(round2), of: 'isolane-mocha / mocha --parallel, paired by round' },
    freshProcessRatio: { median: round2(median(pairedFresh)), perRound: pairedFresh.map(round2), of: `${FRESH} / mocha --parallel, paired by round` },
    ratios: {
      isolaneVsParallel: round2(isolane / parallel),
      isolaneVsSerial: round2(isolane / serial),
      parallelVsSerial: round2(parallel / serial),
      namespacesShareOfFreshProcess: round2((fresh - bare) / fresh),
      freshProcessVsParallel: round2(fresh / parallel),
      freshProcessVsSerial: round2(fresh / serial),
      defaultVsFreshProcess: round2(isolane / fresh),
    },
    // CPU time of each run with all its processes: what the work costs, whatever else the machine runs.
    cpuMedianMs: cpuMedians,
    cpuRatio: { isolaneVsParallel: round2(cpuIsolane / cpuParallel), freshProcessVsParallel: round2(cpuFresh / cpuParallel) },
    baseline,
    perFileCpuMs: {
      isolaneOverParallel: Math.round((cpuIsolane - cpuParallel) / FILES),
      namespacesOverFreshProcess: Math.round((cpuFresh - cpuMedians['isolane-mocha, fresh process per file, no namespaces']) / FILES),
      freshProcessOverParallel: Math.round((cpuFresh - cpuParallel) / FILES),
    },
    perFileMs: {
      isolaneOverParallel: round2(((isolane - parallel) * JOBS) / FILES),
      namespacesOverFreshProcess: round2(((fresh - bare) * JOBS) / FILES),
      freshProcessOverParallel: round2(((fresh - parallel) * JOBS) / FILES),
    },
    explanation:
      'mocha --parallel forks --jobs worker processes once and runs every file in them; isolane-mocha by default does ' +
      'the same, each worker forked into fresh namespaces, and renews the worker before every file (fresh net, uts ' +
      'and ipc namespaces, empty /tmp and /dev/shm) and stops what the file left running: ratio is that mode. With ' +
      '--isolane-no-reuse-workers it forks a fresh Node process per spec file, so each file pays a Node start and ' +
      'loading Mocha (baseline.nodeStartLoadingMochaCpuMs) instead of sharing them (freshProcessRatio); the "no ' +
      'namespaces" variant of that mode shows how little of it is the namespaces (perFileCpuMs.namespacesOverFreshProcess). ' +
      'Wall times depend on the load of the machine (machine.loadAverageAtEnd); the CPU times do not.',
  }
  mkdirSync(join(root, 'benchmarks/results'), { recursive: true })
  writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`)
  process.stdout.write(`${FILES} files x 4 tests, --jobs ${JOBS}, median of ${ROUNDS} rounds:\n`)
  for (const [name, ms] of Object.entries(medians)) process.stdout.write(`  ${name.padEnd(40)} ${String(ms).padStart(6)} ms\n`)
  process.stdout.write(`isolane-mocha / mocha --parallel = ${result.ratio.median}x (paired by round); / serial mocha = ${result.ratios.isolaneVsSerial}x\n`)
  process.stdout.write(`${FRESH} / mocha --parallel = ${result.freshProcessRatio.median}x (paired by round); / serial mocha = ${result.ratios.freshProcessVsSerial}x\n`)
  process.stdout.write(`CPU: isolane-mocha ${cpuIsolane} ms, mocha --parallel ${cpuParallel} ms (${result.cpuRatio.isolaneVsParallel}x); per file +${result.perFileCpuMs.isolaneOverParallel} ms CPU\n`)
  process.stdout.write(`CPU: ${FRESH} ${cpuFresh} ms (${result.cpuRatio.freshProcessVsParallel}x mocha --parallel; per file +${result.perFileCpuMs.freshProcessOverParallel} ms, of which the namespaces +${result.perFileCpuMs.namespacesOverFreshProcess} ms)\n`)
  process.stdout.write(`a Node start: ${baseline.nodeStartCpuMs} ms CPU; a Node start loading Mocha: ${baseline.nodeStartLoadingMochaCpuMs} ms CPU; load average ${loadAverage.map(round2).join(' ')}\n`)
  process.stdout.write(`written to ${resultsFile}\n`)
}

function round2(value) {
  return Math.round(value * 100) / 100
}

await main()
