import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { canIsolate, DEFAULT_KINDS, isIsolaneError, probe } from '@isolane/core'
import { describe, expect, it } from 'vitest'
import { isolane } from './pool.js'

const verdict = canIsolate(DEFAULT_KINDS, probe())
if (!verdict.ok) console.log(`skipping the accepted-options test: ${verdict.kind} namespaces are not usable here (${verdict.code}: ${verdict.reason})`)

const thrown = (call: () => unknown): unknown => {
  try {
    call()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('isolane() in a Vitest config', () => {
  it.skipIf(!verdict.ok)('returns a custom pool named isolane', () => {
    const pool = isolane({ hostname: 'worker-{workerId}' })
    expect(pool.name).toBe('isolane')
    expect(typeof pool.createPoolWorker).toBe('function')
  })

  it('rejects bad options when the config loads, before any worker', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ namespaces: ['user'] }, 'ISOLANE_USERNS_FROM_NODE', /user namespace cannot be created from Node/],
      [{ namespces: ['net'] }, 'ISOLANE_INVALID_OPTIONS', /unknown option `namespces`/],
      [{ hostname: 'w-{worker}' }, 'ISOLANE_INVALID_OPTIONS', /unknown token \{worker\}/],
      [{ namespaces: ['net'], tmpfs: ['/tmp'] }, 'ISOLANE_INVALID_OPTIONS', /`tmpfs` needs a fresh mount namespace/],
    ]
    for (const [options, code, message] of cases) {
      const error = thrown(() => isolane(options as never))
      expect(isIsolaneError(error), JSON.stringify(options)).toBe(true)
      expect((error as { code: string }).code).toBe(code)
      expect((error as Error).message).toMatch(message)
    }
  })
})

describe('isolane() on a machine that cannot isolate', () => {
  const root = process.getuid?.() === 0
  if (!root) console.log('skipping the unprivileged pool test: it drops from root to uid 65534, and this is not root')

  it.skipIf(!root)('says so when the config loads, with the reason and what to do', () => {
    const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url))
    const script = `const { isolane } = await import(${JSON.stringify(entry)})
      try { isolane(); console.log('POOL MADE') } catch (error) { console.log(error.code + ': ' + error.message) }`
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' })
    expect(child.stdout).toMatch(/^EPERM: isolane pool: the test workers cannot get a fresh net namespace on this machine, so no test ran\. unshare\(CLONE_NEWNET\) failed: EPERM .*To fix: run as root/)
    expect(child.stdout).toContain("use the stock pool (`pool: 'forks'`)")
  })
})
