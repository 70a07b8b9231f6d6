// End to end: what users expect of any Vitest pool keeps working under the isolane pool.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chooseWay, createPlan } from '@isolane/core'
import { afterAll, describe, expect, it } from 'vitest'
import { runScript, runVitest } from '../fixtures/vitest/run-vitest.js'

// The pool isolates either way: privileged as root, through user namespaces otherwise.
const verdict = chooseWay(createPlan({}))
if (!verdict.ok) console.log(`skipping the Vitest features end-to-end tests: workers cannot get fresh namespaces here (${verdict.error.code}: ${verdict.error.message})`)

const FIXTURE = 'keeps-vitest-features'
// CI=1: Vitest compares snapshots and never writes them.
const env = { CI: '1' }
/** `pid` of each `[whereabouts]` line the files print, by file. */
const workerPids = (output: string) => Object.fromEntries([...output.matchAll(/\[whereabouts\] file=(\w+) pid=(\d+)/g)].map((m) => [m[1], m[2]]))

describe.skipIf(!verdict.ok)('Vitest features under the isolane pool', () => {
  const coverageDir = mkdtempSync(join(tmpdir(), 'isolane-coverage-'))
  afterAll(() => rmSync(coverageDir, { recursive: true, force: true }))

  it('snapshots, console output, one worker a file (isolate: true)', async () => {
    const run = await runVitest(FIXTURE, { env })
    expect(run.code).toBe(0)
    expect(run.output).toMatch(/Test Files\s+4 passed \(4\)/)
    expect(run.output).not.toContain('Snapshots') // nothing written: the stored one matched
    expect(run.output).toContain('hello from an isolated worker')
    expect(run.output).toContain('a warning from an isolated worker')
    expect(new Set(Object.values(workerPids(run.output))).size).toBe(4)
  })

  it('isolate: false runs the files in one reused worker', async () => {
    const run = await runVitest(FIXTURE, { env, args: ['--no-isolate', '--maxWorkers=1'] })
    expect(run.code).toBe(0)
    const pids = workerPids(run.output)
    expect(Object.keys(pids)).toHaveLength(4)
    expect(new Set(Object.values(pids)).size).toBe(1)
  })

  it('isolate: false, renewed between files: failures, timeouts, --bail and coverage as with isolate: true', async () => {
    const args = ['--no-isolate', '--maxWorkers=1']
    const failing = { ...env, FIXTURE_FAILING: '1' }
    const full = await runVitest(FIXTURE, { env: failing, args })
    expect(full.code).toBe(1)
    expect(full.output).toContain('AssertionError: expected 2 to be 3')
    expect(full.output).toContain('Test timed out in 100ms')
    expect(full.output).toMatch(/Test Files\s+1 failed \| 3 passed \(4\)/)
    // The files not started when --bail cancels the run are not run, as Vitest does with isolate: true.
    const bailed = await runVitest(FIXTURE, { env: failing, args: [...args, '--bail=1'] })
    expect(bailed.code).toBe(1)
    expect(bailed.output).toMatch(/Test Files\s+1 failed \(4\)/)
    expect(bailed.output).not.toContain('Test timed out')
    const covered = await runVitest(FIXTURE, {
      env,
      args: [...args, '--coverage.enabled', '--coverage.provider=v8', '--coverage.reporter=text', '--coverage.include=covered.ts', `--coverage.reportsDirectory=${coverageDir}`],
    })
    expect(covered.code).toBe(0)
    expect(covered.output).toMatch(/covered\.ts\s+\|\s+50\s+\|\s+100\s+\|\s+50\s+\|\s+50\s+\|\s+6/)
  })

  it('--shard splits the files between runs', async () => {
    const first = await runVitest(FIXTURE, { env, args: ['--shard=1/2'] })
    const second = await runVitest(FIXTURE, { env, args: ['--shard=2/2'] })
    const names = [...first.files, ...second.files].map((file) => file.name).sort()
    expect(names).toEqual(['console.test.ts', 'covered.test.ts', 'failing.test.ts', 'snapshot.test.ts'])
    expect(first.files).toHaveLength(2)
    expect([first.code, second.code]).toEqual([0, 0])
  })

  it('failures and timeouts are reported; --bail stops the run at the first failure', async () => {
    const failing = { ...env, FIXTURE_FAILING: '1' }
    const full = await runVitest(FIXTURE, { env: failing, args: ['--maxWorkers=1'] })
    expect(full.code).toBe(1)
    expect(full.output).toContain('AssertionError: expected 2 to be 3')
    expect(full.output).toContain('Test timed out in 100ms')
    expect(full.output).toMatch(/Test Files\s+1 failed \| 3 passed \(4\)/)
    // Without a results cache Vitest runs the largest file first: failing.test.ts.
    const bailed = await runVitest(FIXTURE, { env: failing, args: ['--maxWorkers=1', '--bail=1'] })
    expect(bailed.code).toBe(1)
    expect(bailed.output).toMatch(/Test Files\s+1 failed \(4\)/)
    expect(bailed.output).not.toContain('Test timed out')
  })

  it('coverage with @vitest/coverage-v8', async () => {
    const run = await runVitest(FIXTURE, {
      env,
      args: ['--coverage.enabled', '--coverage.provider=v8', '--coverage.reporter=text', '--coverage.include=covered.ts', `--coverage.reportsDirectory=${coverageDir}`],
    })
    expect(run.code).toBe(0)
    expect(run.output).toContain('Coverage report from v8')
    // add() is called, unused() is not: half the functions and lines.
    expect(run.output).toMatch(/covered\.ts\s+\|\s+50\s+\|\s+100\s+\|\s+50\s+\|\s+50\s+\|\s+6/)
  })

  it('watch mode re-runs the files in fresh isolated workers (startVitest)', async () => {
    const run = await runScript('watch-rerun.js', ['binds-port-3000'])
    const line = /WATCH-RERUN (.*)/.exec(run.output)?.[1]
    expect(line, run.output).toBeDefined()
    const all = { 'a.test.ts': 'pass', 'b.test.ts': 'pass', 'c.test.ts': 'pass', 'd.test.ts': 'pass' }
    expect(JSON.parse(line!)).toEqual({ first: all, rerun: all })
    expect(run.code).toBe(0)
  })
})
