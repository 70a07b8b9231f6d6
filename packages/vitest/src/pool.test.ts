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
