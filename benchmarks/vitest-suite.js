#!/usr/bin/env node
// Wall time of a 60-file Vitest suite under the isolane pool, the stock forks pool and a serial
// forks run (one file at a time: the usual cure for port clashes), measured side by side in one
// run: every round runs the three, in a rotating order, and the medians are compared.
// Usage: node benchmarks/vitest-suite.js [--rounds N] [--files N]
// Writes benchmarks/results/vitest-suite.json.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, release } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { canIsolate, DEFAULT_KINDS, probe } from '@isolane/core'
import { runVitest } from '../fixtures/vitest/run-vitest.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, files: { type: 'string', default: '60' } } })
const rounds = Number(values.rounds)
const fileCount = Number(values.files)
const here = dirname(fileURLToPath(import.meta.url))
const suite = join(here, '..', 'fixtures', 'vitest', 'many-files')
const resultsFile = join(here, 'results', 'vitest-suite.json')
const MODES = ['isolane', 'forks', 'serial']

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
for (let round = 0; round < rounds; round++) {
  const order = MODES.map((_, i) => MODES[(i + round) % MODES.length])
  for (const mode of order) samples[mode].push(await timedRun(mode))
  console.log(`round ${round + 1}: ${MODES.map((mode) => `${mode} ${samples[mode].at(-1).toFixed(0)} ms`).join(', ')}`)
}

const medians = Object.fromEntries(MODES.map((mode) => [mode, median(samples[mode])]))
const ratios = { isolaneOverForks: medians.isolane / medians.forks, isolaneOverSerial: medians.isolane / medians.serial }
const targets = { isolaneOverForksAtMost: 1.05, isolaneOverSerialBelow: 1 }
const result = {
  benchmark: 'vitest-suite',
  date: new Date().toISOString(),
  machine: { cpus: availableParallelism(), model: cpus()[0]?.model, kernel: release(), node: process.version },
  suite: { files: fileCount, maxWorkers: 2, what: 'each file starts an HTTP server on an ephemeral loopback port, fetches from it, closes it' },
  rounds,
  unit: 'ms (wall time of the whole `vitest run` process)',
  medians,
  ratios,
  targets,
  met: { isolaneOverForks: ratios.isolaneOverForks <= targets.isolaneOverForksAtMost, isolaneOverSerial: ratios.isolaneOverSerial < targets.isolaneOverSerialBelow },
  samples,
}
mkdirSync(dirname(resultsFile), { recursive: true })
writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`)
console.log(`medians: ${MODES.map((mode) => `${mode} ${medians[mode].toFixed(0)} ms`).join(', ')}`)
console.log(`isolane / forks  = ${ratios.isolaneOverForks.toFixed(3)} (target <= ${targets.isolaneOverForksAtMost})`)
console.log(`isolane / serial = ${ratios.isolaneOverSerial.toFixed(3)} (target < ${targets.isolaneOverSerialBelow})`)
console.log(`written to ${resultsFile}`)

async function timedRun(mode) {
  const run = await runVitest('many-files', { mode })
  const passed = run.files.filter((file) => file.status === 'passed').length
  if (run.code !== 0 || passed !== fileCount) throw new Error(`the ${mode} run failed (${passed} of ${fileCount} files passed): ${JSON.stringify(run.files.filter((file) => file.status !== "passed").slice(0, 3))}\n${run.output.slice(-1500)}`)
  return run.ms
}

function generateSuite(count) {
  const dir = join(suite, 'generated')
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
