#!/usr/bin/env node
// Wall time of a 60-file Vitest suite under the isolane pool, the stock forks pool and a serial
// forks run (one file at a time: the usual cure for port clashes), measured side by side in one
// run: every round runs isolane and forks back to back (which goes first alternates), then serial,
// and the rounds' own ratios are compared. forks and serial use vitest.stock.config.ts, which does
// not import isolane, so the baseline is a user's config before isolane.
// Usage: node benchmarks/vitest-suite.js [--rounds N] [--files N] [--quick]   (default 10 rounds; --quick: 6 files, 1 round)
// Writes benchmarks/results/vitest-suite.json. The files are generated into
// fixtures/vitest/many-files/generated-N/, one folder per size, so runs of different sizes
// (benchmarks/run.js --quick runs this small) never pull each other's files away.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, release } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { canIsolate, createPlan, DEFAULT_KINDS, probe, withIsolation } from '@isolane/core'
import { cleanEnv, MODES as RUN_MODES, runCommand, vitestCli, workspaceRoot } from '../fixtures/vitest/run-vitest.js'
import { median, pairedRatios, rounded, summarize } from './lib/stats.js'

const { values } = parseArgs({ options: { rounds: { type: 'string' }, files: { type: 'string' }, quick: { type: 'boolean', default: false } } })
const rounds = Number(values.rounds ?? (values.quick ? 1 : 10))
const fileCount = Number(values.files ?? (values.quick ? 6 : 60))
if (!(Number.isInteger(rounds) && rounds > 0 && Number.isInteger(fileCount) && fileCount > 0)) {
  console.error('usage: node benchmarks/vitest-suite.js [--rounds N] [--files N] [--quick]')
  process.exit(2)
}
const generatedDir = `generated-${fileCount}`
const here = dirname(fileURLToPath(import.meta.url))
const suite = join(here, '..', 'fixtures', 'vitest', 'many-files')
// A --quick run is a smoke test: its numbers go beside the committed full results, not over them.
const resultsFile = join(here, 'results', values.quick ? 'vitest-suite.quick.json' : 'vitest-suite.json')
const MODES = ['isolane', 'forks', 'serial']
const TIME = '/usr/bin/time'

const verdict = canIsolate(DEFAULT_KINDS, probe())
if (!verdict.ok) {
  console.error(`cannot run the benchmark: ${verdict.kind} namespaces are not usable here (${verdict.code}: ${verdict.reason})`)
  process.exit(1)
}

generateSuite(fileCount)
console.log(`vitest-suite: ${fileCount} files, ${rounds} rounds of ${MODES.join(' / ')} (maxWorkers 2; serial: --no-file-parallelism)`)

// isolane's own fixed costs, measured here: what the pool adds before and around each worker.
const ownCosts = measureOwnCosts()

// One warm-up run of each, not counted: the first run pays for cold disk caches.
for (const mode of MODES) await timedRun(mode)
const samples = Object.fromEntries(MODES.map((mode) => [mode, []]))
const cpuSamples = Object.fromEntries(MODES.map((mode) => [mode, []]))
const loads = []
for (let round = 0; round < rounds; round++) {
  // isolane and forks back to back, first one then the other first: a pair sees the same machine.
  // The serial run, three times longer, comes after the pair.
  const order = round % 2 === 0 ? ['isolane', 'forks', 'serial'] : ['forks', 'isolane', 'serial']
  for (const mode of order) {
    const { wallMs, cpuMs } = await timedRun(mode)
    samples[mode].push(wallMs)
    if (cpuMs !== undefined) cpuSamples[mode].push(cpuMs)
  }
  loads.push(Number(loadavg()[0].toFixed(2)))
  const pair = samples.isolane.at(-1) / samples.forks.at(-1)
  console.log(`round ${round + 1}: ${MODES.map((mode) => `${mode} ${samples[mode].at(-1).toFixed(0)} ms`).join(', ')}; isolane/forks ${pair.toFixed(3)}  (load ${loadavg()[0].toFixed(1)})`)
}

const medians = Object.fromEntries(MODES.map((mode) => [mode, median(samples[mode])]))
// The headline: the median of the rounds' own ratios (each from two runs side by side), with its
// 95% interval once there are 6 rounds or more. The ratio of the medians is kept beside it.
const paired = { isolaneOverForks: summarize(pairedRatios(samples.isolane, samples.forks)), isolaneOverSerial: summarize(pairedRatios(samples.isolane, samples.serial)) }
const ratios = { isolaneOverForks: paired.isolaneOverForks.median, isolaneOverSerial: paired.isolaneOverSerial.median }
const ratiosOfMedians = { isolaneOverForks: medians.isolane / medians.forks, isolaneOverSerial: medians.isolane / medians.serial }
const cpuMedians = cpuSamples.isolane.length === rounds ? Object.fromEntries(MODES.map((mode) => [mode, median(cpuSamples[mode])])) : undefined
const targets = { isolaneOverForksAtMost: 1.05, isolaneOverSerialBelow: 1 }
const slowerRounds = samples.isolane.filter((ms, i) => ms > samples.forks[i]).length
const forksSpread = (Math.max(...samples.forks) - Math.min(...samples.forks)) / medians.forks
const ownMs = ownCosts.checkMs + fileCount * ownCosts.windowMs
const interval = paired.isolaneOverForks.ciLow === null ? '' : ` (95% interval of that median: ${paired.isolaneOverForks.ciLow.toFixed(3)}-${paired.isolaneOverForks.ciHigh.toFixed(3)})`
const explanation =
  `The isolane pool is Vitest's own forks worker, forked inside an isolation window. What it adds, measured in this run: one check of the machine when the config loads (checkIsolation(), ${ownCosts.checkMs.toFixed(1)} ms) and one window per test file (${ownCosts.windowMs.toFixed(2)} ms each, ${fileCount} files), ` +
  `${(ownMs / 1000).toFixed(2)} s in all, ${((ownMs / medians.forks) * 100).toFixed(1)}% of the forks run. ` +
  `Side by side, isolane/forks was ${ratios.isolaneOverForks.toFixed(3)} in the median round${interval}; isolane was slower in ${slowerRounds} of ${rounds} rounds, and the forks runs alone varied by ${(forksSpread * 100).toFixed(0)}% between rounds ` +
  `(load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} CPUs shared with other machines' work).`
const result = {
  benchmark: 'vitest-suite',
  explanation,
  date: new Date().toISOString(),
  machine: { cpus: availableParallelism(), model: cpus()[0]?.model, kernel: release(), node: process.version },
  quick: values.quick,
  suite: { files: fileCount, maxWorkers: 2, what: 'each file starts an HTTP server on an ephemeral loopback port, fetches from it, closes it' },
  baseline: 'forks and serial run with vitest.stock.config.ts: the same settings, the stock forks pool, no import of isolane',
  rounds,
  unit: 'ms (wall time of the whole `vitest run` process)',
  medians,
  ratioMethod: 'median of the rounds\' own ratios (isolane and forks side by side in each round)',
  ratios,
  // The 95% interval of ratios.isolaneOverForks (null below 6 rounds).
  ratioInterval: { low: paired.isolaneOverForks.ciLow, high: paired.isolaneOverForks.ciHigh },
  pairedRatios: { isolaneOverForks: rounded(paired.isolaneOverForks), isolaneOverSerial: rounded(paired.isolaneOverSerial) },
  ratiosOfMedians,
  targets,
  ownCosts,
  cpu: cpuMedians && {
    unit: 'ms of user+sys CPU time of the `vitest run` process and the workers it waited for (from /usr/bin/time)',
    medians: cpuMedians,
    pairedRatios: { isolaneOverForks: rounded(summarize(pairedRatios(cpuSamples.isolane, cpuSamples.forks))) },
    samples: cpuSamples,
  },
  // The 1-minute load average after each round: on a shared machine, other work skews wall times.
  loadAverageByRound: loads,
  met: { isolaneOverForks: ratios.isolaneOverForks <= targets.isolaneOverForksAtMost, isolaneOverSerial: ratios.isolaneOverSerial < targets.isolaneOverSerialBelow },
  samples,
}
mkdirSync(dirname(resultsFile), { recursive: true })
writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`)
console.log(`medians: ${MODES.map((mode) => `${mode} ${medians[mode].toFixed(0)} ms`).join(', ')}`)
console.log(`isolane / forks  = ${ratios.isolaneOverForks.toFixed(3)}${interval} (target <= ${targets.isolaneOverForksAtMost}); ratio of the medians ${ratiosOfMedians.isolaneOverForks.toFixed(3)}`)
console.log(`isolane / serial = ${ratios.isolaneOverSerial.toFixed(3)} (target < ${targets.isolaneOverSerialBelow})`)
if (cpuMedians) console.log(`CPU time medians: ${MODES.map((mode) => `${mode} ${cpuMedians[mode].toFixed(0)} ms`).join(', ')}`)
console.log(`isolane's own costs: check ${ownCosts.checkMs.toFixed(1)} ms, window ${ownCosts.windowMs.toFixed(2)} ms`)
console.log(`written to ${resultsFile}`)

/**
 * The pool's fixed costs: the check of the machine when the config loads (checkIsolation(), timed
 * as the first call in a fresh Node process, as Vitest makes it) and one default-set window around
 * a fork, as the pool opens per worker (the fork itself is the stock pool's cost too, so it is
 * timed alone and taken off).
 */
function measureOwnCosts() {
  const script = "const c = await import('@isolane/core'); const t = performance.now(); const v = c.checkIsolation(c.DEFAULT_KINDS); process.stdout.write(String(v.ok ? performance.now() - t : -1))"
  const checks = []
  for (let i = 0; i < 5; i++) {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: workspaceRoot, encoding: 'utf8' })
    const ms = Number(child.stdout)
    if (!(ms >= 0)) throw new Error(`timing checkIsolation() failed: ${child.stderr || child.stdout}`)
    checks.push(ms)
  }
  const plan = createPlan({}, { workerId: 1 })
  const withWindow = []
  const plain = []
  for (let i = 0; i < 30; i++) {
    let started = performance.now()
    withIsolation(plan, () => spawn('/bin/true'))
    withWindow.push(performance.now() - started)
    started = performance.now()
    spawn('/bin/true')
    plain.push(performance.now() - started)
  }
  return { unit: 'ms', checkMs: median(checks), windowMs: Math.max(0, median(withWindow) - median(plain)) }
}

/** Runs the suite once with Vitest's CLI; wall time, and CPU time where /usr/bin/time exists. */
async function timedRun(mode) {
  const config = mode === 'isolane' ? [] : ['--config', join(suite, 'vitest.stock.config.ts')]
  const args = [vitestCli, 'run', '--root', suite, ...config, `${generatedDir}/`, ...RUN_MODES[mode].args, '--no-cache', '--reporter=dot']
  const [command, commandArgs] = existsSync(TIME) ? [TIME, ['-f', 'RUSAGE %U %S', process.execPath, ...args]] : [process.execPath, args]
  const started = performance.now()
  const { code, output } = await runCommand(command, commandArgs, { ...cleanEnv(), NO_COLOR: '1' })
  const wallMs = performance.now() - started
  const passed = new RegExp(`Test Files\\s+${fileCount} passed \\(${fileCount}\\)`).test(output)
  if (code !== 0 || !passed) throw new Error(`the ${mode} run failed (exit ${code}):\n${output.slice(-3000)}`)
  const rusage = /RUSAGE ([\d.]+) ([\d.]+)/.exec(output)
  return { wallMs, cpuMs: rusage ? (Number(rusage[1]) + Number(rusage[2])) * 1000 : undefined }
}

function generateSuite(count) {
  const dir = join(suite, generatedDir)
  const existing = safeList(dir)
  if (existing.length === count) return
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (let i = 1; i <= count; i++) {
    const name = `file-${String(i).padStart(3, '0')}`
    writeFileSync(
      join(dir, `${name}.test.ts`),
      `import { expect, test } from 'vitest'\nimport { roundTrip } from '../serve.js'\n\n` +
        `test('${name} serves and fetches', async () => {\n  expect(await roundTrip('${name}')).toBe('${name}')\n})\n\n` +
        `test('${name} computes', () => {\n  expect(Array.from({ length: 1000 }, (_, k) => k * ${i}).reduce((a, b) => a + b, 0)).toBe(${i * 499500})\n})\n`,
    )
  }
}

function safeList(dir) {
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.test.ts'))
  } catch {
    return []
  }
}
