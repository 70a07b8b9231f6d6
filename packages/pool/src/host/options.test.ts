// Configuration errors: rejected by createPool before any worker starts, without privileges.
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { mkdirSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isIsolaneError, type IsolanePlugin } from '@isolane/core/internal'
import { createPool, type PoolOptions } from '../index.js'
import { childPids, fixture } from '../test-support/processes.js'
import { resolvePoolOptions } from './options.js'

// Made in beforeAll, not when the module loads: a run filtered to no test here runs no afterAll.
const underTmp = `/tmp/isolane-pool-options-${process.pid}`
const workerUnderTmp = join(underTmp, 'worker.js')

beforeAll(() => {
  mkdirSync(underTmp, { recursive: true })
  writeFileSync(workerUnderTmp, 'export default () => 1\n')
})

afterAll(() => rmSync(underTmp, { recursive: true, force: true }))

describe('createPool rejects bad configuration before any worker starts', () => {
  const windows: unknown[] = []
  const recorder: IsolanePlugin = { name: 'recorder', setup: (context) => void windows.push(context) }
  const worker = fixture('reports-namespaces.js')

  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['no filename', { isolation: { plugins: [recorder] } }, 'ISOLANE_INVALID_OPTIONS', /`filename` is missing/],
    ['a filename that does not exist', { filename: '/nonexistent/worker.js', isolation: { plugins: [recorder] } }, 'ISOLANE_INVALID_OPTIONS', /worker module \/nonexistent\/worker\.js does not exist/],
    ['an unknown namespace kind', { filename: worker, isolation: { namespaces: ['net', 'bogus'], plugins: [recorder] } }, 'ISOLANE_INVALID_OPTIONS', /unknown namespace kind "bogus"/],
    ['a user namespace', { filename: worker, isolation: { namespaces: ['user'], plugins: [recorder] } }, 'ISOLANE_USERNS_FROM_NODE', /cannot be created from Node/],
    ['a hostname without a UTS namespace', { filename: worker, isolation: { namespaces: ['net'], hostname: 'x', plugins: [recorder] } }, 'ISOLANE_INVALID_OPTIONS', /`hostname` needs a fresh UTS namespace/],
    ['an unknown isolation option', { filename: worker, isolation: { namespace: ['net'], plugins: [recorder] } }, 'ISOLANE_INVALID_OPTIONS', /unknown option `namespace`/],
    ['a plugin without setup', { filename: worker, isolation: { plugins: [recorder, { name: 'broken' }] } }, 'ISOLANE_INVALID_OPTIONS', /plugin 1 is an object/],
    ['another runtime', { filename: worker, runtime: 'worker_threads', isolation: { plugins: [recorder] } }, 'ISOLANE_INVALID_OPTIONS', /`runtime` is set/],
    ['minThreads above maxThreads', { filename: worker, minThreads: 4, maxThreads: 2, isolation: { plugins: [recorder] } }, 'ISOLANE_INVALID_OPTIONS', /`minThreads` \(4\) is greater than `maxThreads` \(2\)/],
    ['an env value that is not a string', { filename: worker, env: { A: 1 }, isolation: { plugins: [recorder] } }, 'ISOLANE_INVALID_OPTIONS', /`env.A` is number/],
    ['a worker module hidden by the fresh /tmp', { filename: workerUnderTmp, isolation: { plugins: [recorder] } }, 'ISOLANE_INVALID_OPTIONS', /is under \/tmp, where every worker gets a fresh, empty tmpfs/],
  ]

  it.each(cases)('%s', (_what, options, code, message) => {
    const children = childPids()
    let thrown: unknown
    try {
      createPool(options as unknown as PoolOptions)
    } catch (error) {
      thrown = error
    }
    expect(isIsolaneError(thrown)).toBe(true)
    expect(thrown).toMatchObject({ code, message: expect.stringMatching(message) })
    expect((thrown as Error).message).toMatch(/To fix: /)
    expect(windows).toEqual([])
    expect(childPids()).toEqual(children)
  })
})

describe('resolvePoolOptions', () => {
  it('accepts a worker module under /tmp that a bind shows to the workers', () => {
    const resolved = resolvePoolOptions({ filename: workerUnderTmp, isolation: { binds: [{ source: underTmp, target: underTmp }] } })
    expect(resolved.href).toBe(pathToFileURL(workerUnderTmp).href)
  })

  it('accepts it when /tmp gets no tmpfs', () => {
    expect(() => resolvePoolOptions({ filename: workerUnderTmp, isolation: { tmpfs: ['/dev/shm'] } })).not.toThrow()
  })

  it('takes paths, file URLs and URL objects, and resolves a relative path against the cwd', () => {
    const path = fixture('sleeps.js')
    const href = pathToFileURL(path).href
    expect(resolvePoolOptions({ filename: path }).href).toBe(href)
    expect(resolvePoolOptions({ filename: href }).href).toBe(href)
    expect(resolvePoolOptions({ filename: new URL(href) }).href).toBe(href)
    expect(resolvePoolOptions({ filename: join('..', '..', path).replace(/^(\.\.\/)+/, '/') }).href).toBe(href)
  })

  it('defaults to isolated workers, the default export and no env (the parent\'s at fork time)', () => {
    expect(resolvePoolOptions({ filename: fixture('sleeps.js') })).toMatchObject({ isolateWorkers: true, name: 'default', env: undefined, isolation: {} })
  })

  it('passes tinypool its own options and keeps the pool\'s', () => {
    const resolved = resolvePoolOptions({ filename: fixture('sleeps.js'), maxThreads: 3, idleTimeout: 5, env: { A: 'a' }, isolation: { namespaces: ['net'] }, name: 'run' })
    expect(resolved.tinypool).toEqual({ maxThreads: 3, idleTimeout: 5 })
    expect(resolved).toMatchObject({ name: 'run', env: { A: 'a' }, isolation: { namespaces: ['net'] } })
  })
})
