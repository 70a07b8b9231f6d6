// End to end: Vitest's CLI on fixtures/vitest/binds-port-3000, as a user runs it.
import { canIsolate, DEFAULT_KINDS, probe } from '@isolane/core'
import { describe, expect, it } from 'vitest'
import { runVitest } from '../fixtures/vitest/run-vitest.js'

const verdict = canIsolate(DEFAULT_KINDS, probe())
if (!verdict.ok) console.log(`skipping the isolane pool end-to-end tests: ${verdict.kind} namespaces are not usable here (${verdict.code}: ${verdict.reason})`)

describe('four files that bind 127.0.0.1:3000 at once', () => {
  it('clash with EADDRINUSE under the stock forks pool', async () => {
    const run = await runVitest('binds-port-3000', { mode: 'forks' })
    expect(run.code).toBe(1)
    const failed = run.files.filter((file) => file.status === 'failed')
    expect(failed.length).toBeGreaterThanOrEqual(1)
    for (const file of failed) expect(file.failures.join('\n')).toContain('EADDRINUSE')
    expect(run.output).toContain('listen EADDRINUSE: address already in use 127.0.0.1:3000')
  })

  it.skipIf(!verdict.ok)('all pass under the isolane pool', async () => {
    const run = await runVitest('binds-port-3000', { mode: 'isolane' })
    expect(run.files.map((file) => [file.name, file.status])).toEqual([
      ['a.test.ts', 'passed'],
      ['b.test.ts', 'passed'],
      ['c.test.ts', 'passed'],
      ['d.test.ts', 'passed'],
    ])
    expect(run.code).toBe(0)
    expect(run.output).toMatch(/Test Files\s+4 passed \(4\)/)
  })

  it.skipIf(!verdict.ok)('all pass under the threads pool with the isolane environment', async () => {
    const run = await runVitest('binds-port-3000', { mode: 'threads' })
    expect(run.files.every((file) => file.status === 'passed')).toBe(true)
    expect(run.files).toHaveLength(4)
    expect(run.code).toBe(0)
    // The environment says what a thread cannot get.
    expect(run.output).toContain('/tmp, /dev/shm and the other mounts stay shared with the host')
  })
})
