// End to end: what the user sees when a worker dies under a file or cannot be set up, in Vitest's
// CLI with the isolane pool (fixtures/vitest/worker-dies, fixtures/vitest/plugin-fails).
import { chooseWay, createPlan } from '@isolane/core'
import { describe, expect, it } from 'vitest'
import { runVitest } from '../fixtures/vitest/run-vitest.js'

const verdict = chooseWay(createPlan({}))
const skip = verdict.ok ? undefined : `skipped: workers cannot get fresh namespaces here (${verdict.error.code}: ${verdict.error.message})`
if (skip) console.warn(skip)
if (verdict.ok && verdict.way !== 'privileged') console.warn('skipping the function-plugin refusal with isolate: false: a function plugin needs the privileged way (root or CAP_SYS_ADMIN), and this process may not make namespaces itself')

const EXPECTED = [
  ['busy-loop.test.ts', 'failed'],
  ['exits-with-3.test.ts', 'failed'],
  ['killed-by-sigkill.test.ts', 'failed'],
  ['passes-one.test.ts', 'passed'],
  ['passes-three.test.ts', 'passed'],
  ['passes-two.test.ts', 'passed'],
]

describe.skipIf(skip)('a worker that dies under a file', () => {
  // Fresh workers per file (isolate: true), reused ones (isolate: false, the worker replaced after a
  // death), and one reused worker that gets every file in one request (maxWorkers: 1).
  for (const [label, env, args] of [
    ['fresh workers', {}, []],
    ['reused workers', { ISOLANE_ISOLATE: 'false' }, []],
    ['one reused worker', { ISOLANE_ISOLATE: 'false' }, ['--maxWorkers=1']],
  ] as const) {
    it(`fails that file, named with how its worker died and the test that ran, and the run goes on (${label})`, async () => {
      const run = await runVitest('worker-dies', { env: { ISOLANE_FILE_TIMEOUT: '5000', ...env }, args: [...args] })
      expect(run.files.map((file) => [file.name, file.status])).toEqual(EXPECTED)
      expect(run.code).toBe(1)
      expect(run.output).toMatch(/Test Files\s+3 failed \| 3 passed \(6\)/)
      // How the worker died, named on the file, with the test that was running: the worker's agent
      // says when each test begins and how the last one ended, so that neither waits for Vitest's
      // own updates, which it sends at most every 100 ms (and a worker that dies takes the last).
      // The test that ran before the one that killed it passed.
      expect(run.output).toMatch(/killed-by-sigkill\.test\.ts[^\n]*\n[^\n]*IsolaneError: isolane: the worker running this file \(pid \d+\) was killed by SIGKILL while test "kills its own worker with SIGKILL" ran, so the file could not finish; the other files run on/)
      expect(run.output).toMatch(/✓ runs before the worker is killed/)
      expect(run.output).toContain('IsolaneError: did not finish: the worker running this file')
      expect(run.output).toMatch(/ended with status 3 while test "ends its worker with status 3, as a native module calling exit\(3\) would" ran, so the file could not finish/)
      expect(run.output).toContain('this file ran past its time limit of 5000 ms (`fileTimeout` in isolane({ ... })) while test "spins forever in a synchronous loop" ran, so the worker running this file')
      // Not an error of the run: no "Worker exited unexpectedly", no unhandled errors.
      expect(run.output).not.toContain('exited unexpectedly')
      expect(run.output).not.toContain('Unhandled')
    })
  }
})

describe.skipIf(skip)('an isolation plugin whose setup throws', () => {
  const ways = verdict.ok && verdict.way === 'privileged' ? (['auto', 'user-namespace'] as const) : (['auto'] as const)
  for (const way of ways) {
    it(`fails every file with one message naming the plugin and its error, and the run ends at once (way: ${way})`, async () => {
      const run = await runVitest('plugin-fails', { env: { ISOLANE_WAY: way } })
      expect(run.files.map((file) => [file.name, file.status])).toEqual(['four', 'one', 'three', 'two'].map((n) => [`never-runs-${n}.test.ts`, 'failed']))
      expect(run.code).toBe(1)
      const message = /IsolaneError: isolane: none of this file's tests ran: the isolation setup of this worker[^\n]* failed [^\n]*: Isolation plugin "test-database" failed: no route to the test database/g
      // One message, which Vitest shows once for the four files it failed.
      expect(run.output.match(message)).toHaveLength(1)
      for (const file of run.files) expect(file.failures.join('\n')).toContain('Isolation plugin "test-database" failed: no route to the test database')
      // Promptly: nothing waited for a timeout (how long the run took is measured, not asserted: see the README).
      expect(run.output).not.toMatch(/bug in Vitest|Timeout|Failed to start/)
    })
  }

  // A function runs in the window the pool opens in Vitest's process: the privileged way only (without it, the pool says so as for any worker).
  it.skipIf(!(verdict.ok && verdict.way === 'privileged'))('with isolate: false, refuses a function plugin before any worker, saying how to give it', async () => {
    const run = await runVitest('plugin-fails', { env: { ISOLANE_INLINE_PLUGIN: '1' }, args: ['--no-isolate'] })
    expect(run.code).toBe(1)
    expect(run.output).toMatch(/isolane pool: isolation plugin "inline" is a function: workers reused across files renew their isolation themselves before each file, and a function cannot be sent to them\. To fix: give the plugin as a module, `\{ name: "inline", module: "\/abs\/path\/plugin\.js" \}` exporting `setup\(context\)`, or leave `isolate` on/)
  })
})
