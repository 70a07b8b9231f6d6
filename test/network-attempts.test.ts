// End to end: tests that try to reach the network outside their worker (an address, a host name)
// fail as they would, and both their failure and the end of the run say that isolation caused it,
// which test, where to, and how to allow it; in Vitest (pool, environment) and Mocha.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { chooseWay, createPlan } from '@isolane/core'
import { describe, expect, it } from 'vitest'
import { cleanEnv, runVitest } from '../fixtures/vitest/run-vitest.js'

const verdict = chooseWay(createPlan({}))
const skip = verdict.ok ? undefined : `skipped: workers cannot get fresh namespaces here (${verdict.error.code}: ${verdict.error.message})`
if (skip) console.warn(skip)
const privileged = verdict.ok && verdict.way === 'privileged'
if (!privileged) console.warn('the threads-pool environment case is skipped: only a process that may make namespaces itself can move a thread')

const isolaneMocha = join(import.meta.dirname, '../packages/mocha/bin/isolane-mocha.js')
const FILES = [
  ['connects-to-an-address.test.ts', 'failed'],
  ['fetches-a-host-name.test.ts', 'failed'],
  ['stays-local.test.ts', 'passed'],
]

describe.skipIf(skip)('Vitest pool: tests that try to reach outside their worker', () => {
  for (const [label, env] of [['fresh workers', {}], ['reused workers', { ISOLANE_ISOLATE: 'false' }]] as const) {
    it(`fail, saying on their error and in a list at the end which test tried where, and how to allow it (${label})`, async () => {
      const run = await runVitest('tries-outside-network', { env })
      expect(run.files.map((file) => [file.name, file.status])).toEqual(FILES)
      expect(run.code).toBe(1)
      expect(run.output).toContain("connect ENETUNREACH 192.0.2.10:80 - Local (0.0.0.0:0) [isolane: 192.0.2.10:80 is outside this worker's network namespace, which has only its own loopback. To allow it: give this file the host's network")
      // fetch's own error is "fetch failed"; the lookup that failed is its cause, which Vitest shows.
      expect(run.output).toMatch(/Caused by: Error: getaddrinfo EAI_AGAIN rates\.example\.com \[isolane: rates\.example\.com is outside this worker's network namespace/)
      const list = run.output.slice(run.output.indexOf('isolane: 2 tests tried to reach the network outside their workers'))
      expect(list).toMatch(/^isolane: 2 tests tried to reach the network outside their workers \(each worker has only its own loopback\), and failed:\n/)
      expect(list).toContain('  connects-to-an-address.test.ts > the billing client > opens a connection to the billing server: 192.0.2.10:80 (connect ENETUNREACH 192.0.2.10:80')
      expect(list).toContain('  fetches-a-host-name.test.ts > fetches the exchange rates: rates.example.com (getaddrinfo EAI_AGAIN rates.example.com)')
      expect(list).toContain('To leave this list out: isolane({ reportNetworkAttempts: false })')
      expect(list).not.toContain('stays-local')
    })
  }

  it('say nothing of it with reportNetworkAttempts: false', async () => {
    const run = await runVitest('tries-outside-network', { env: { ISOLANE_REPORT_NETWORK: 'false' } })
    expect(run.files.map((file) => [file.name, file.status])).toEqual(FILES)
    expect(run.output).toContain('connect ENETUNREACH 192.0.2.10:80')
    expect(run.output).not.toContain('[isolane:')
    expect(run.output).not.toContain('tried to reach the network')
  })
})

describe.skipIf(!privileged)('Vitest environment under the threads pool', () => {
  it('says it on the error and after the file', async () => {
    const run = await runVitest('tries-outside-network', { mode: 'threads' })
    expect(run.files.find((file) => file.name === 'connects-to-an-address.test.ts')?.status).toBe('failed')
    expect(run.output).toContain("connect ENETUNREACH 192.0.2.10:80 - Local (0.0.0.0:0) [isolane: 192.0.2.10:80 is outside this worker's network namespace")
    expect(run.output).toContain('isolane: 1 test tried to reach the network outside its worker')
    expect(run.output).toContain('connects-to-an-address.test.ts > the billing client > opens a connection to the billing server: 192.0.2.10:80')
  })
})

function runMocha(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [isolaneMocha, '--jobs', '2', ...args], { cwd: join(import.meta.dirname, '../fixtures/mocha/tries-outside-network'), env: { ...cleanEnv(), NO_COLOR: '1' } }, (error, stdout, stderr) =>
      resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}

describe.skipIf(skip)('isolane-mocha: tests that try to reach outside their worker', () => {
  it('fail, saying on their error and in a list at the end which test tried where, and how to allow it', async () => {
    const result = await runMocha(['*.spec.cjs'])
    expect(result.stdout).toMatch(/1 passing[^]*2 failing/)
    expect(result.stdout).toContain("Error: connect ENETUNREACH 192.0.2.10:80 - Local (0.0.0.0:0) [isolane: 192.0.2.10:80 is outside this worker's network namespace, which has only its own loopback. To allow it: run the suite without a fresh network namespace (`--isolane-namespaces mnt,ipc,uts`)")
    expect(result.stderr).toMatch(/^isolane-mocha: 2 tests tried to reach the network outside their workers \(each worker has only its own loopback\), and failed:$/m)
    expect(result.stderr).toContain('  connects-to-an-address.spec.cjs > the billing client opens a connection to the billing server: 192.0.2.10:80 (connect ENETUNREACH 192.0.2.10:80')
    expect(result.stderr).toContain('  fetches-a-host-name.spec.cjs > the rates client fetches the exchange rates: rates.example.com (getaddrinfo EAI_AGAIN rates.example.com)')
    expect(result.status).toBe(2)
  })

  it('say nothing of it with --isolane-no-report-network-attempts', async () => {
    const result = await runMocha(['--isolane-no-report-network-attempts', '*.spec.cjs'])
    expect(result.stdout).toMatch(/1 passing[^]*2 failing/)
    expect(result.stdout).not.toContain('[isolane:')
    expect(result.stderr).not.toContain('tried to reach the network')
  })
})
