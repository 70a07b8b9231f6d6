#!/usr/bin/env node
// Wall time of a 60-file Vitest suite under the isolane pool, the stock forks pool and a serial
// forks run (one file at a time: the usual cure for port clashes), measured side by side in one
// run: every round runs the three, in a rotating order, and the medians are compared.
// Usage: node benchmarks/vitest-suite.js [--rounds N] [--files N] [--quick]   (--quick: 6 files, 1 round)
// Writes benchmarks/results/vitest-suite.json. The files are generated into
// fixtures/vitest/many-files/generated-N/, one folder per size, so runs of different sizes
// (benchmarks/run.js --quick runs this small) never pull each other's files away.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism, cpus, loadavg, release } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { canIsolate, DEFAULT_KINDS, probe } from '@isolane/core'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { MODES as RUN_MODES, workspaceRoot } from '../fixtures/vitest/run-vitest.js'

const { values } = parseArgs({ options: { rounds: { type: 'string' }, files: { type: 'string' }, quick: { type: 'boolean', default: false } } })
const rounds = Number(values.rounds ?? (values.quick ? 1 : 5))
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

// One warm-up run of each, not counted: the first run pays for cold disk caches.
for (const mode of MODES) await timedRun(mode)
const samples = Object.fromEntries(MODES.map((mode) => [mode, []]))
const cpuSamples = Object.fromEntries(MODES.map((mode) => [mode, []]))
const loads = []
for (let round = 0; round < rounds; round++) {
  const order = MODES.map((_, i) => MODES[(i + round) % MODES.length])
  for (const mode of order) {
    const { wallMs, cpuMs } = await timedRun(mode)
    samples[mode].push(wallMs)
    if (cpuMs !== undefined) cpuSamples[mode].push(cpuMs)
  }
  loads.push(Number(loadavg()[0].toFixed(2)))
  console.log(`round ${round + 1}: ${MODES.map((mode) => `${mode} ${samples[mode].at(-1).toFixed(0)} ms`).join(', ')}  (load ${loadavg()[0].toFixed(1)})`)
}

const medians = Object.fromEntries(MODES.map((mode) => [mode, median(samples[mode])]))
const cpuMedians = cpuSamples.isolane.length === rounds ? Object.fromEntries(MODES.map((mode) => [mode, median(cpuSamples[mode])])) : undefined
const ratios = { isolaneOverForks: medians.isolane / medians.forks, isolaneOverSerial: medians.isolane / medians.serial }
const targets = { isolaneOverForksAtMost: 1.05, isolaneOverSerialBelow: 1 }
// What the pool itself adds is small and fixed; the rest of a gap is stated, not explained away.
const forksSpread = (Math.max(...samples.forks) - Math.min(...samples.forks)) / medians.forks
const slowerRounds = samples.isolane.filter((ms, i) => ms > samples.forks[i]).length
const knownCostS = 0.2 + fileCount * 0.001
const gapS = (medians.isolane - medians.forks) / 1000
const explanation =
  `the isolane pool is Vitest's own forks worker forked inside an isolation window; its known costs per run are one probe() of the machine (a short Node process, about 0.2 s) and one window per test file (under 1 ms each, ${fileCount} here): about ${knownCostS.toFixed(2)} s of the ${gapS.toFixed(2)} s between the medians. ` +
  `isolane was slower in ${slowerRounds} of ${rounds} rounds, and the stock pool's own wall times varied by ${(forksSpread * 100).toFixed(0)}% between rounds (load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} CPUs). ` +
  'The rest of the gap is not explained yet; suspects: the kernel tearing down each worker\'s network and mount namespaces on the same two CPUs, and per-worker start-up under a private /tmp'
const result = {
  benchmark: 'vitest-suite',
  explanation,
  date: new Date().toISOString(),
  machine: { cpus: availableParallelism(), model: cpus()[0]?.model, kernel: release(), node: process.version },
  quick: values.quick,
  suite: { files: fileCount, maxWorkers: 2, what: 'each file starts an HTTP server on an ephemeral loopback port, fetches from it, closes it' },
  rounds,
  unit: 'ms (wall time of the whole `vitest run` process)',
  medians,
  ratios,
  targets,
  cpu: cpuMedians && {
    unit: 'ms of user+sys CPU time of the `vitest run` process and the workers it waited for (from /usr/bin/time): less sensitive than wall time to other load on the machine',
    medians: cpuMedians,
    ratios: { isolaneOverForks: cpuMedians.isolane / cpuMedians.forks, isolaneOverSerial: cpuMedians.isolane / cpuMedians.serial },
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
console.log(`isolane / forks  = ${ratios.isolaneOverForks.toFixed(3)} (target <= ${targets.isolaneOverForksAtMost})`)
console.log(`isolane / serial = ${ratios.isolaneOverSerial.toFixed(3)} (target < ${targets.isolaneOverSerialBelow})`)
if (cpuMedians) console.log(`CPU time medians: ${MODES.map((mode) => `${mode} ${cpuMedians[mode].toFixed(0)} ms`).join(', ')}`)
console.log(`written to ${resultsFile}`)

/** Runs the suite once with Vitest's CLI; wall time, and CPU time where /usr/bin/time exists. */
function timedRun(mode) {
  const vitestCli = join(dirname(createRequire(join(workspaceRoot, 'package.json')).resolve('vitest/package.json')), 'vitest.mjs')
  const args = [vitestCli, 'run', '--root', suite, `${generatedDir}/`, ...RUN_MODES[mode].args, '--no-cache', '--reporter=dot']
  const useTime = existsSync(TIME)
  const [command, commandArgs] = useTime ? [TIME, ['-f', 'RUSAGE %U %S', process.execPath, ...args]] : [process.execPath, args]
  const env = { ...process.env, NO_COLOR: '1' }
  for (const key of Object.keys(env)) if (/^(VITEST|ISOLANE_)/.test(key)) delete env[key]
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd: workspaceRoot, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      const wallMs = performance.now() - started
      const passed = new RegExp(`Test Files\\s+${fileCount} passed \\(${fileCount}\\)`).test(output)
      if (code !== 0 || !passed) return reject(new Error(`the ${mode} run failed (exit ${code}):\n${output.slice(-3000)}`))
      const rusage = /RUSAGE ([\d.]+) ([\d.]+)/.exec(output)
      resolve({ wallMs, cpuMs: rusage ? (Number(rusage[1]) + Number(rusage[2])) * 1000 : undefined })
    })
  })
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

function median(list) {
  const sorted = [...list].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
