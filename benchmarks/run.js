#!/usr/bin/env node
// `pnpm bench`: what namespace creation costs, against the C floor and the tools people use
// today. Prints tables, writes results/latest.{json,md} and results/chart.svg (a --quick run
// writes results/quick.* instead, which git ignores). benchmarks/README.md explains the sections.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { probe } from '@isolane/core'
import { buildCFloor } from './lib/c-floor.js'
import { renderChart } from './lib/report/chart.js'
import { renderMarkdown } from './lib/report/markdown.js'
import { benchRenewal } from './lib/renewal.js'
import { buildTables } from './lib/report/tables.js'
import { bold, renderTerminal } from './lib/report/terminal.js'
import { benchRootlessStart } from './lib/rootless-start.js'
import { benchSuites } from './lib/suites.js'
import { benchSustained } from './lib/sustained.js'
import { evaluateTargets } from './lib/targets.js'
import { findBwrap, findTrue, findUnshare } from './lib/tools.js'
import { benchWindows } from './lib/windows.js'
import { benchWorkerStart } from './lib/worker-start.js'

const SECTIONS = { windows: benchWindows, 'worker-start': benchWorkerStart, 'rootless-start': benchRootlessStart, sustained: benchSustained, suites: benchSuites, renewal: benchRenewal }
const KEYS = { windows: 'windows', 'worker-start': 'workerStart', 'rootless-start': 'rootlessStart', sustained: 'sustained', suites: 'suites', renewal: 'renewal' }
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url))
// The windows are measured for a worker whose working directory lies outside any fresh tmpfs:
// from a checkout under /tmp the core would add a bind of it to every plan, which the C floor,
// unshare(1) and bwrap columns do not do. Every path here is absolute.
process.chdir('/')

function parseArgs(argv) {
  const mode = { quick: false, reuseSuites: false, only: Object.keys(SECTIONS) }
  for (const arg of argv) {
    if (arg === '--') continue
    else if (arg === '--quick') mode.quick = true
    else if (arg === '--reuse-suites') mode.reuseSuites = true
    else if (arg === '--rerender') mode.rerender = true
    else if (arg === '--merge') mode.merge = true
    else if (arg.startsWith('--only=')) mode.only = arg.slice(7).split(',')
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(
        `usage: node benchmarks/run.js [--quick] [--reuse-suites] [--merge] [--only=${Object.keys(SECTIONS).join(',')}]\n` +
          '  --quick         a smoke run (under a minute, no installs); writes results/quick.*\n' +
          '  --reuse-suites  fold in the suite scripts\' last results (results/*-suite.json) instead of running them\n' +
          '  --merge         with --only: keep the other sections of the last results as they were (the report says from which run)\n' +
          '  --rerender      measure nothing: write the report again from results/latest.json\n',
      )
      process.exit(0)
    } else {
      process.stderr.write(`benchmarks/run.js: unknown argument ${arg} (use --quick, --reuse-suites, --merge, --rerender, --only=SECTIONS or --help)\n`)
      process.exit(2)
    }
  }
  for (const name of mode.only)
    if (!SECTIONS[name]) {
      process.stderr.write(`benchmarks/run.js: unknown section "${name}" in --only (sections: ${Object.keys(SECTIONS).join(', ')})\n`)
      process.exit(2)
    }
  return mode
}

function machine() {
  let commit = null
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {}
  // What was measured is the working tree: say so when the packages differ from the commit.
  let uncommitted = []
  try {
    const status = execFileSync('git', ['status', '--porcelain', '--', 'packages'], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    uncommitted = [...new Set(status.split('\n').filter(Boolean).map((line) => line.slice(3).split('/').slice(0, 2).join('/')))]
  } catch {}
  return {
    node: process.versions.node,
    kernel: os.release(),
    arch: process.arch,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    root: process.getuid?.() === 0,
    commit,
    ...(uncommitted.length > 0 && { uncommitted }),
  }
}

const mode = parseArgs(process.argv.slice(2))
const log = (message) => process.stderr.write(`${message}\n`)
if (mode.rerender) {
  // Only the report: targets, tables, Markdown and chart again from the last full run's JSON.
  const results = JSON.parse(readFileSync(`${RESULTS}latest.json`, 'utf8'))
  results.targets = evaluateTargets(results.sections)
  writeOutputs(results, 'latest', 'chart.svg')
  process.exit(0)
}
const startedAt = new Date()
const loadAtStart = os.loadavg()
log(bold(`isolane benchmarks (${mode.quick ? 'quick' : 'full'} run)`))

const probed = probe()
const tools = {
  cFloor: buildCFloor(),
  unshare: findUnshare(),
  bwrap: findBwrap({ install: !mode.quick, log }),
  trueCommand: findTrue(),
}
for (const [name, tool] of Object.entries(tools)) if (tool?.skipped) log(`  ${name}: skipped: ${tool.skipped}`)

const sections = {}
const failures = []
for (const name of mode.only) {
  log(bold(`${name}:`))
  try {
    sections[KEYS[name]] = await SECTIONS[name]({ mode, probe: probed, ...tools, log })
  } catch (error) {
    failures.push(name)
    sections[KEYS[name]] = { skipped: `failed: ${error instanceof Error ? error.message : String(error)}` }
    log(`  ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  }
}

// --merge: the sections not run now come from the last results of the same kind, each with the
// run it was measured in, so that one section can be measured again without all the others.
const prefix = mode.quick ? 'quick' : 'latest'
const sectionsFrom = {}
if (mode.merge) {
  let previous = null
  try {
    previous = JSON.parse(readFileSync(`${RESULTS}${prefix}.json`, 'utf8'))
  } catch {
    log(`  --merge: no results/${prefix}.json to keep other sections from`)
  }
  for (const [key, section] of Object.entries(previous?.sections ?? {})) {
    if (key in sections) continue
    sections[key] = section
    const m = previous.machine ?? {}
    sectionsFrom[key] = previous.sectionsFrom?.[key] ?? { finishedAt: previous.finishedAt, commit: m.commit ?? null, ...(m.uncommitted && { uncommitted: m.uncommitted }), kernel: m.kernel ?? null, node: m.node ?? null, loadAverageAtStart: m.loadAverage?.atStart?.[0] ?? null }
  }
  if (Object.keys(sectionsFrom).length > 0) log(`  --merge: kept ${Object.keys(sectionsFrom).join(', ')} from earlier results`)
}
// The sections in the order of the report.
const ordered = Object.fromEntries(Object.values(KEYS).filter((key) => key in sections).map((key) => [key, sections[key]]))

const finishedAt = new Date()
const results = {
  schema: 1,
  mode: mode.quick ? 'quick' : 'full',
  startedAt: startedAt.toISOString(),
  finishedAt: finishedAt.toISOString(),
  durationS: Math.round((finishedAt - startedAt) / 100) / 10,
  // Other work on the machine during the run: the ratios are paired to cancel it, the times are not.
  machine: { ...machine(), loadAverage: { atStart: loadAtStart.map((v) => Number(v.toFixed(2))), atEnd: os.loadavg().map((v) => Number(v.toFixed(2))) } },
  probe: Object.fromEntries(Object.entries(probed.kinds).map(([kind, k]) => [kind, k.usable ? 'usable' : `${k.code}`])),
  tools: { cFloor: tools.cFloor, unshare: tools.unshare, bwrap: tools.bwrap, trueCommand: tools.trueCommand },
  sections: ordered,
  ...(Object.keys(sectionsFrom).length > 0 && { sectionsFrom }),
}
results.targets = evaluateTargets(ordered)

writeOutputs(results, prefix, mode.quick ? 'quick-chart.svg' : 'chart.svg')
if (failures.length > 0) {
  log(`benchmarks failed in: ${failures.join(', ')} (see above)`)
  process.exitCode = 1
}

function writeOutputs(results, prefix, chartFile) {
  const tables = buildTables(results)
  mkdirSync(RESULTS, { recursive: true })
  writeFileSync(`${RESULTS}${prefix}.json`, `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(`${RESULTS}${prefix}.md`, renderMarkdown(results, tables, { chartFile, jsonFile: `${prefix}.json` }))
  writeFileSync(`${RESULTS}${chartFile}`, renderChart(results))
  process.stdout.write(`\n${renderTerminal(tables)}\n\n`)
  log(`wrote benchmarks/results/${prefix}.json, ${prefix}.md and ${chartFile} (${results.durationS} s)`)
}
