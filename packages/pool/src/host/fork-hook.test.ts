// Which forks the hook takes: only those with a live pool's token, to tinypool's entry script.
import childProcess, { fork as namedFork, type ChildProcess, type ForkOptions } from 'node:child_process'
import { createRequire } from 'node:module'
import { afterAll, describe, expect, it } from 'vitest'
import { POOL_TOKEN_ENV } from '../shared/protocol.js'
import { childPids, fixture } from '../test-support/processes.js'
import { isForkHookInstalled, registerPool, unregisterPool } from './fork-hook.js'
import { tinypoolProcessEntry } from './tinypool-internals.js'
import { isStandInWorker, standInWorker } from './stand-in-worker.js'

const calls: Array<{ modulePath: string; args: readonly string[]; options: ForkOptions }> = []
const token = `test-${process.pid}`
registerPool(token, {
  tinypoolEntry: tinypoolProcessEntry(),
  forkWorker(modulePath, args, options) {
    calls.push({ modulePath, args, options })
    return standInWorker(new Error('not started in this test'))
  },
})

afterAll(() => unregisterPool(token))

describe('the fork hook', () => {
  it('is what node:child_process exports, to CommonJS and ESM importers alike', () => {
    expect(isForkHookInstalled()).toBe(true)
    expect(createRequire(import.meta.url)('node:child_process').fork.name).toBe('isolaneFork')
    expect(childProcess.fork.name).toBe('isolaneFork')
    // A named ESM import, as tinypool's, is a live binding: syncBuiltinESMExports() updated it.
    expect(namedFork.name).toBe('isolaneFork')
  })

  it("hands a registered pool's forks of tinypool's entry to that pool, with tinypool's arguments", () => {
    const children = childPids()
    const child = childProcess.fork(tinypoolProcessEntry(), ['--flag'], { env: { [POOL_TOKEN_ENV]: token, TINYPOOL_WORKER_ID: '1' }, stdio: 'pipe' })
    expect(isStandInWorker(child)).toBe(true)
    expect(calls).toEqual([{ modulePath: tinypoolProcessEntry(), args: ['--flag'], options: { env: { [POOL_TOKEN_ENV]: token, TINYPOOL_WORKER_ID: '1' }, stdio: 'pipe' } }])
    expect(childPids()).toEqual(children)
  })

  it('gives a destroyed pool\'s late fork a stand-in: no process, never a plain child', () => {
    const children = childPids()
    const child = childProcess.fork(tinypoolProcessEntry(), [], { env: { [POOL_TOKEN_ENV]: 'a-pool-that-is-gone' } })
    expect(isStandInWorker(child)).toBe(true)
    expect(child.pid).toBeUndefined()
    expect(childPids()).toEqual(children)
  })

  it("refuses a pool's token on any other script (a tinypool it was not made for)", () => {
    expect(() => childProcess.fork(fixture('prints-namespaces.cjs'), { env: { [POOL_TOKEN_ENV]: token } })).toThrow(/not the entry script isolane knows/)
  })

  it('is one per process, shared by every copy of the package', async () => {
    // A second instance of this module, as a second installed copy of @isolane/pool would load.
    const copy = (await import(/* @vite-ignore */ `./fork-hook.js?copy=${Date.now()}`)) as typeof import('./fork-hook.js')
    const before = calls.length
    const otherToken = `${token}-other-copy`
    const seen: string[] = []
    copy.registerPool(otherToken, { tinypoolEntry: tinypoolProcessEntry(), forkWorker: (modulePath) => (seen.push(modulePath), standInWorker(new Error('not started'))) })
    try {
      expect(copy.isForkHookInstalled()).toBe(true)
      childProcess.fork(tinypoolProcessEntry(), [], { env: { [POOL_TOKEN_ENV]: otherToken } })
      childProcess.fork(tinypoolProcessEntry(), [], { env: { [POOL_TOKEN_ENV]: token } })
      expect(seen).toEqual([tinypoolProcessEntry()])
      expect(calls.length).toBe(before + 1)
    } finally {
      copy.unregisterPool(otherToken)
    }
  })

  it('passes every other fork through untouched', async () => {
    const child: ChildProcess = childProcess.fork(fixture('prints-namespaces.cjs'), { stdio: 'pipe', env: { ...process.env, MARK: '1' } })
    expect(isStandInWorker(child)).toBe(false)
    expect(child.pid).toEqual(expect.any(Number))
    const code = await new Promise((resolve) => child.once('exit', resolve))
    expect(code).toBe(0)
  })
})
