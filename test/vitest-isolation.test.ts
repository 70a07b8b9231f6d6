// End to end: what a test file can reach, see and be called under the isolane pool, and what the
// same files get under the stock forks pool and under the threads pool with the environment.
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { chooseWay, createPlan } from '@isolane/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runVitest, type FileOutcome } from '../fixtures/vitest/run-vitest.js'

// The pool isolates either way: privileged as root, through user namespaces otherwise.
const verdict = chooseWay(createPlan({}))
// The environment outside the isolane pool moves a running thread: only where this process may make namespaces itself.
const privileged = verdict.ok && verdict.way === 'privileged'
if (!privileged) console.log('the environment cases outside the isolane pool (threads, forks) are left out: they need privilege, and the pool is the way without it')
if (!verdict.ok) console.log(`skipping the isolane pool end-to-end tests: workers cannot get fresh namespaces here (${verdict.error.code}: ${verdict.error.message})`)
const statuses = (files: FileOutcome[]) => Object.fromEntries(files.map((file) => [file.name, file.status]))

describe.skipIf(!verdict.ok)('isolation seen from inside test files', () => {
  let server: Server
  let env: Record<string, string>
  const marker = `/tmp/isolane-e2e-marker-${process.pid}`

  beforeAll(async () => {
    server = createServer((socket) => socket.end('hello from the host'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    env = { HOST_SERVER_PORT: String((server.address() as AddressInfo).port), HOST_TMP_MARKER: marker }
    writeFileSync(marker, 'made on the host')
  })
  afterAll(async () => {
    rmSync(marker, { force: true })
    rmSync('/tmp/isolane-fixture-shared.txt', { force: true })
    await new Promise((resolve) => server.close(resolve))
  })

  it("the host's loopback server is out of reach, unless a file shares the host network", async () => {
    const isolated = await runVitest('reaches-host-loopback', { mode: 'isolane', env })
    expect(statuses(isolated.files)).toEqual({ 'cannot-reach-host.test.ts': 'passed', 'shares-host-network.test.ts': 'passed' })
    const stock = await runVitest('reaches-host-loopback', { mode: 'forks', env })
    expect(statuses(stock.files)['cannot-reach-host.test.ts']).toBe('failed')
    expect(stock.files[0]!.failures.join('\n')).toContain('hello from the host')
    // The file that shares the host's network asks the environment for the rest, which outside the isolane pool needs privilege.
    if (!privileged) return
    expect(statuses(stock.files)).toEqual({ 'cannot-reach-host.test.ts': 'failed', 'shares-host-network.test.ts': 'passed' })
    const threads = await runVitest('reaches-host-loopback', { mode: 'threads', env })
    expect(statuses(threads.files)).toEqual({ 'cannot-reach-host.test.ts': 'passed', 'shares-host-network.test.ts': 'passed' })
  })

  // Only under isolation: outside a fresh network namespace this would really try to connect.
  it('an outside address fails at once with ENETUNREACH (pool, and environment under threads)', async () => {
    for (const mode of privileged ? (['isolane', 'threads'] as const) : (['isolane'] as const)) {
      const run = await runVitest('reaches-outside', { mode })
      expect(statuses(run.files), mode).toEqual({ 'outside-address.test.ts': 'passed' })
    }
  })

  it('each worker has its own /tmp: files that create the same path all pass', async () => {
    const isolated = await runVitest('writes-tmp-file', { mode: 'isolane' })
    expect(statuses(isolated.files)).toEqual({ 'a.test.ts': 'passed', 'b.test.ts': 'passed', 'c.test.ts': 'passed' })
    const stock = await runVitest('writes-tmp-file', { mode: 'forks' })
    expect(stock.code).toBe(1)
    expect(stock.output).toContain("EEXIST: file already exists, open '/tmp/isolane-fixture-shared.txt'")
    expect(existsSync('/tmp/isolane-fixture-shared.txt')).toBe(false)
  })

  it("the private /tmp hides the host's files but still shows Vitest's module cache", async () => {
    const isolated = await runVitest('private-tmp', { mode: 'isolane', env })
    expect(isolated.files).toEqual([{ name: 'private-tmp.test.ts', status: 'passed', failures: [] }])
    const stock = await runVitest('private-tmp', { mode: 'forks', env })
    expect(stock.files[0]!.failures.join('\n')).toContain('expected true to be false')
  })

  it('a file gets the hostname its docblock asks for, from the pool and from the environment', async () => {
    for (const mode of privileged ? (['isolane', 'threads', 'forks'] as const) : (['isolane'] as const)) {
      const run = await runVitest('checks-hostname', { mode })
      expect(statuses(run.files), mode).toEqual({ 'named-host.test.ts': 'passed', 'templated-host.test.ts': 'passed' })
    }
  })
})
