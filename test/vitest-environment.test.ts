// End to end: the isolane environment says what it cannot isolate where it runs, and fails loudly.
import { canIsolate, probe } from '@isolane/core'
import { describe, expect, it } from 'vitest'
import { runVitest } from '../fixtures/vitest/run-vitest.js'

const verdict = canIsolate(['net', 'mnt', 'ipc', 'uts'], probe())
if (!verdict.ok) console.log(`skipping the isolane environment end-to-end tests: ${verdict.kind} namespaces are not usable here (${verdict.code}: ${verdict.reason})`)

describe.skipIf(!verdict.ok)('environment-limits fixture', () => {
  it('under the threads pool, a file asking for a private /tmp fails loudly, naming mnt and the fix', async () => {
    const run = await runVitest('environment-limits', { mode: 'threads', args: ['asks-private-tmp'] })
    expect(run.code).toBe(1)
    expect(run.output).toContain('isolane environment: mnt cannot be isolated from inside a worker thread (the threads pool)')
    expect(run.output).toContain('use the isolane pool (`pool: isolane()`')
    expect(run.output).not.toMatch(/Tests\s+1 passed/)
  })

  it('under the isolane pool the same file gets its private /tmp and passes', async () => {
    const run = await runVitest('environment-limits', { mode: 'isolane', args: ['asks-private-tmp'] })
    expect(run.files).toEqual([{ name: 'asks-private-tmp.test.ts', status: 'passed', failures: [] }])
    expect(run.code).toBe(0)
  })

  it('a misspelled per-file option stops that file with a message saying which option, before its worker starts', async () => {
    for (const mode of ['isolane', 'threads'] as const) {
      const run = await runVitest('environment-limits', { mode, args: ['misspelled-option'] })
      expect(run.code, mode).toBe(1)
      expect(run.output, mode).toContain('Invalid isolation options: unknown option `hostnme`')
      expect(run.output, mode).not.toContain('Timeout terminating')
    }
  })
})
