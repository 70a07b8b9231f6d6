// End to end: Vitest's CLI on fixtures/vitest/binds-port-3000, as a user runs it.
import { chooseWay, createPlan } from '@isolane/core'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { runVitest } from '../fixtures/vitest/run-vitest.js'

// The pool isolates either way: privileged as root, through user namespaces otherwise.
const verdict = chooseWay(createPlan({}))
// The environment moves a running thread: only a process that may make namespaces itself can.
const privileged = verdict.ok && verdict.way === 'privileged'
if (!privileged) console.log('the threads-pool environment test expects the refusal: this process may not make namespaces itself')
if (!verdict.ok) console.log(`skipping the isolane pool end-to-end tests: workers cannot get fresh namespaces here (${verdict.error.code}: ${verdict.error.message})`)

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

  it.skipIf(!privileged)('all pass under the threads pool with the isolane environment', async () => {
    const run = await runVitest('binds-port-3000', { mode: 'threads' })
    expect(run.files.every((file) => file.status === 'passed')).toBe(true)
    expect(run.files).toHaveLength(4)
    expect(run.code).toBe(0)
    // The environment says what a thread cannot get.
    expect(run.output).toContain('/tmp, /dev/shm and the other mounts stay shared with the host')
  })

  it.skipIf(privileged)('under the threads pool without privilege, the environment says why, and that the isolane pool is the way', async () => {
    const run = await runVitest('binds-port-3000', { mode: 'threads' })
    expect(run.code).toBe(1)
    expect(run.output).toMatch(/isolane environment: a worker thread \(the threads pool\) cannot get fresh namespaces without privilege: unshare\(CLONE_NEWNET\|CLONE_NEWUTS\|CLONE_NEWIPC\) failed: EPERM/)
    expect(run.output).toContain("To fix: use the isolane pool (`pool: isolane()` from '@isolane/vitest'), which starts every worker in its own user namespace")
  })
})

describe('reused workers (isolate: false): eight files that each leave a server on port 3000, a /tmp marker and a hostname', () => {
  const marker = '/tmp/isolane-fixture-left-behind'

  it('fail from each worker\'s second file on under the stock forks pool', async () => {
    try {
      const run = await runVitest('leaves-things-behind', { mode: 'forks' })
      expect(run.code).toBe(1)
      const failed = run.files.filter((file) => file.status === 'failed')
      expect(failed.length).toBeGreaterThanOrEqual(6)
      expect(failed.map((file) => file.failures.join('\n')).join('\n')).toMatch(/EADDRINUSE|an earlier file left \/tmp\/isolane-fixture-left-behind/)
    } finally {
      rmSync(marker, { force: true }) // what the stock pool left on the host
    }
  })

  for (const maxWorkers of [2, 1])
    it.skipIf(!verdict.ok)(`all pass under the isolane pool, renewed before every file (${maxWorkers} worker${maxWorkers === 1 ? ', all files in one request' : 's'})`, async () => {
      const run = await runVitest('leaves-things-behind', { mode: 'isolane', args: [`--maxWorkers=${maxWorkers}`] })
      expect(run.files.map((file) => file.status), run.output).toEqual(Array(8).fill('passed'))
      expect(run.code).toBe(0)
      expect(existsSync(marker)).toBe(false)
    })
})

describe.skipIf(!verdict.ok)('a file that leaves a detached sleep 300', () => {
  const leftPid = (output: string) => Number(/\[left\] (\d+)/.exec(output)?.[1])

  for (const isolate of [true, false])
    it(`is stopped after the file, and the warning names the file (isolate: ${isolate})`, async () => {
      const run = await runVitest('leaves-a-process', { env: { ISOLANE_ISOLATE: String(isolate) } })
      const pid = leftPid(run.output)
      expect(run.code, run.output).toBe(0)
      expect(run.output).toMatch(new RegExp(`isolane: starts-a-sleep\\.test\\.ts left 1 process running: sleep 300 \\(pid ${pid}\\); stopped \\(SIGKILL\\)`))
      expect(isRunning(pid)).toBe(false)
    })

  it("with leftovers: 'fail', the run fails, naming the file", async () => {
    const run = await runVitest('leaves-a-process', { env: { ISOLANE_LEFTOVERS: 'fail' } })
    expect(run.code).toBe(1)
    expect(run.output).toMatch(/isolane: starts-a-sleep\.test\.ts left 1 process running: sleep 300 \(pid \d+\); stopped \(SIGKILL\)\. To fix:/)
    expect(isRunning(leftPid(run.output))).toBe(false)
  })
})

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}
