#!/usr/bin/env node
// The demo: one small Vitest project whose four files all listen on 127.0.0.1:3000 at the same
// time (fixtures/vitest/binds-port-3000), run three ways, side by side; then the same with Jest
// (fixtures/jest/binds-port-3000), stock and with the isolane runner. Exits 0 when the outcomes
// are the expected ones: the stock runners clash, the isolane ways pass.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chooseWay, createPlan, launcherArgs, DEFAULT_KINDS } from '@isolane/core'
import pc from 'picocolors'
import { MODES, runVitest } from '../fixtures/vitest/run-vitest.js'

const FIXTURE = 'binds-port-3000'
const runs = [
  { mode: 'forks', expect: 'clash', config: "pool: 'forks' (Vitest's default)" },
  { mode: 'isolane', expect: 'pass', config: 'pool: isolane()' },
  { mode: 'threads', expect: 'pass', config: "pool: 'threads', environment: 'isolane'" },
]

console.log(pc.bold('isolane demo'))
console.log(`Four Vitest test files that each listen on ${pc.cyan('127.0.0.1:3000')}, hold it for 0.8 s, and close.`)
console.log(`Project: fixtures/vitest/${FIXTURE} (maxWorkers: 4)\n`)

const verdict = chooseWay(createPlan({}))
if (!verdict.ok) {
  console.log(pc.red(`This machine cannot isolate test workers (${verdict.error.code}): ${verdict.error.message}`))
  console.log('See "Without root" in the README, or run `npx isolane doctor`.')
  process.exit(1)
}
const privileged = verdict.way === 'privileged'
console.log(
  privileged
    ? `Running as ${process.getuid?.() === 0 ? 'root' : 'a user with CAP_SYS_ADMIN'}: the pool makes each worker's namespaces itself.\n`
    : `Running as a normal user: each worker starts in a user namespace of its own (${pc.dim(`unshare ${launcherArgs(DEFAULT_KINDS).join(' ')}`)}).\n`,
)

const rows = []
for (const run of runs) {
  if (run.mode === 'threads' && !privileged) {
    // A running thread cannot enter a user namespace: without privilege, the environment says so and points to the pool.
    rows.push({ ...run, skipped: true, asExpected: true })
    continue
  }
  process.stdout.write(pc.dim(`running with ${MODES[run.mode].label}... `))
  const outcome = await runVitest(FIXTURE, { mode: run.mode })
  const passed = outcome.files.filter((file) => file.status === 'passed').length
  const clashed = outcome.files.filter((file) => file.failures.some((message) => message.includes('EADDRINUSE'))).length
  const total = outcome.files.length
  const asExpected = run.expect === 'clash' ? clashed > 0 && outcome.code !== 0 : total === 4 && passed === total && outcome.code === 0
  process.stdout.write(pc.dim(`${(outcome.ms / 1000).toFixed(1)} s\n`))
  rows.push({ ...run, passed, clashed, total, asExpected, seconds: outcome.ms / 1000, output: outcome.output })
}

const width = Math.max(...runs.map((run) => MODES[run.mode].label.length))
console.log(`\n  ${pc.bold('how Vitest runs the files'.padEnd(width))}   ${pc.bold('files passed')}   ${pc.bold('what happened')}`)
for (const row of rows) {
  if (row.skipped) {
    console.log(`  ${MODES[row.mode].label.padEnd(width)}   ${'not run'.padEnd(12)}   ${pc.yellow('needs root: a running thread cannot enter a user namespace; use the pool')}`)
    console.log(pc.dim(`  ${''.padEnd(width)}   ${''.padEnd(12)}   config: ${row.config}`))
    continue
  }
  const what =
    row.clashed > 0
      ? pc.red(`${row.clashed} failed: listen EADDRINUSE 127.0.0.1:3000`)
      : row.passed === row.total && row.total > 0
        ? pc.green('all passed, each on its own 127.0.0.1:3000')
        : pc.yellow(`${row.total - row.passed} failed`)
  const mark = row.asExpected ? pc.dim('(as expected)') : pc.red('(unexpected!)')
  console.log(`  ${MODES[row.mode].label.padEnd(width)}   ${`${row.passed} of ${row.total}`.padEnd(12)}   ${what}  ${mark}`)
  console.log(pc.dim(`  ${''.padEnd(width)}   ${''.padEnd(12)}   config: ${row.config}`))
}

// Jest: the same four files (as Jest tests), Jest's own runner and the isolane runner, 4 workers.
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const jestRuns = [
  { label: 'stock Jest (jest-runner)', env: { JEST_STOCK: '1' }, expect: 'clash', config: 'Jest\'s default runner' },
  { label: 'isolane runner', env: {}, expect: 'pass', config: "runner: '@isolane/jest'" },
]
const jestRows = []
const jestCache = mkdtempSync(join(tmpdir(), 'isolane-demo-jest-'))
try {
  for (const run of jestRuns) {
    process.stdout.write(pc.dim(`running Jest with the ${run.label}... `))
    const started = Date.now()
    const output = await new Promise((resolve) =>
      execFile(
        process.execPath,
        [join(ROOT, 'node_modules/jest/bin/jest.js'), '--ci', '--maxWorkers=4', `--cacheDirectory=${join(jestCache, run.label.split(' ')[0])}`],
        { cwd: join(ROOT, 'fixtures/jest', FIXTURE), env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...run.env } },
        (error, stdout, stderr) => resolve({ code: error ? error.code : 0, text: `${stdout}${stderr}` }),
      ),
    )
    process.stdout.write(pc.dim(`${((Date.now() - started) / 1000).toFixed(1)} s\n`))
    const passed = (output.text.match(/^PASS /gm) ?? []).length
    const failed = (output.text.match(/^FAIL /gm) ?? []).length
    const clashed = output.text.includes('EADDRINUSE') ? failed : 0
    const total = passed + failed
    const asExpected = run.expect === 'clash' ? clashed > 0 && output.code !== 0 : total === 4 && passed === 4 && output.code === 0
    jestRows.push({ ...run, passed, clashed, total, asExpected, output: output.text })
  }
} finally {
  rmSync(jestCache, { recursive: true, force: true })
}
const jestWidth = Math.max(width, ...jestRuns.map((run) => run.label.length))
console.log(`\n  ${pc.bold('how Jest runs the files'.padEnd(jestWidth))}   ${pc.bold('files passed')}   ${pc.bold('what happened')}`)
for (const row of jestRows) {
  const what = row.clashed > 0 ? pc.red(`${row.clashed} failed: listen EADDRINUSE 127.0.0.1:3000`) : row.passed === row.total && row.total > 0 ? pc.green('all passed, each on its own 127.0.0.1:3000') : pc.yellow(`${row.total - row.passed} failed`)
  console.log(`  ${row.label.padEnd(jestWidth)}   ${`${row.passed} of ${row.total}`.padEnd(12)}   ${what}  ${row.asExpected ? pc.dim('(as expected)') : pc.red('(unexpected!)')}`)
  console.log(pc.dim(`  ${''.padEnd(jestWidth)}   ${''.padEnd(12)}   config: ${row.config}`))
}

const ok = rows.every((row) => row.asExpected) && jestRows.every((row) => row.asExpected)
console.log()
if (ok) {
  console.log(`The stock pool shares one loopback between all workers, so only one file can hold the port.`)
  console.log(`The isolane pool forks every worker into fresh net, mnt, ipc and uts namespaces (own lo, own /tmp)${privileged ? '' : ',\neach inside a user namespace of its own, with your own uid and no capability left'};`)
  if (privileged) console.log(`the isolane environment gives the thread that runs a file its own net, uts and ipc namespaces.`)
  console.log(pc.green(pc.bold('Demo outcome as expected.')))
} else {
  for (const row of rows.filter((r) => !r.asExpected)) {
    console.log(pc.red(`Unexpected outcome with ${MODES[row.mode].label}. Vitest's output:`))
    console.log(row.output)
  }
  for (const row of jestRows.filter((r) => !r.asExpected)) {
    console.log(pc.red(`Unexpected outcome with the Jest ${row.label}. Jest's output:`))
    console.log(row.output)
  }
}
process.exit(ok ? 0 : 1)
