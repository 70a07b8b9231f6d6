import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { asErrorCode, deserializeError, ERROR_CODES, errnoName, invalidFileOptions, invalidOptions, isIsolaneError, serializeError, syscallError, type SerializedIsolaneError } from './errors.js'

describe('errors', () => {
  it('look like Node system errors when a syscall failed, and say what to do', () => {
    const error = syscallError('unshare', 1, { call: 'unshare(CLONE_NEWNET)' })
    expect(error).toMatchObject({ code: 'EPERM', errno: -1, syscall: 'unshare' })
    expect(error.message).toMatch(/^unshare\(CLONE_NEWNET\) failed: EPERM \(operation not permitted\): .*CAP_SYS_ADMIN.*To fix: run as root/)
    expect(errnoName(22)).toBe('EINVAL')
  })

  it('survive the trip to another process and back', async () => {
    const original = syscallError('mount', 2, { path: '/x/y' })
    const echo = 'process.on("message", (m) => { process.send(m); process.disconnect() })'
    const child = spawn(process.execPath, ['-e', echo], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' })
    const echoed = await new Promise<SerializedIsolaneError>((resolve, reject) => {
      child.once('message', (m) => resolve(m as SerializedIsolaneError))
      child.once('error', reject)
      child.send(serializeError(original))
    })
    const revived = deserializeError(echoed)
    expect(isIsolaneError(revived)).toBe(true)
    expect(revived).toMatchObject({ code: 'ENOENT', errno: -2, syscall: 'mount', path: '/x/y', message: original.message })
    expect(JSON.parse(JSON.stringify(original))).toMatchObject({ name: 'IsolaneError', code: 'ENOENT' })
  })

  it('are recognised across realms by brand, not instanceof', () => {
    expect(isIsolaneError({ name: 'IsolaneError', code: 'X' })).toBe(true)
    expect(isIsolaneError(new Error('x'))).toBe(false)
  })
})

describe('the registry of codes', () => {
  it('gives every ISOLANE_* code a meaning, and what to do where that does not depend on the case', () => {
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^ISOLANE_[A-Z]+(_[A-Z]+)*$/)
      expect(entry.meaning.length, code).toBeGreaterThan(20)
      if ('fix' in entry) expect(entry.fix.length, code).toBeGreaterThan(5)
    }
  })

  it('takes a code from another process only when it is registered or an errno name', () => {
    expect(asErrorCode('ISOLANE_WORKER_EXITED')).toBe('ISOLANE_WORKER_EXITED')
    expect(asErrorCode('EPERM')).toBe('EPERM')
    expect(asErrorCode(errnoName(4095))).toBe('E4095')
    expect(asErrorCode('ISOLANE_NO_SUCH_CODE')).toBeUndefined()
    expect(asErrorCode('ERR_MOCHA_UNSUPPORTED')).toBeUndefined()
    expect(asErrorCode(undefined)).toBeUndefined()
  })

  it('makes every invalid-options error with one factory, naming whose options', () => {
    expect(invalidOptions('`x` is wrong', 'drop it')).toMatchObject({ code: 'ISOLANE_INVALID_OPTIONS', message: 'Invalid isolation options: `x` is wrong. To fix: drop it.', hint: 'drop it' })
    expect(invalidOptions('`x` is wrong', 'drop it', 'Invalid pool options').message).toBe('Invalid pool options: `x` is wrong. To fix: drop it.')
    // A file's own options: the refusal's code and fix kept, the file named as the adapter reads it.
    const refusal = invalidOptions('`x` is wrong', 'drop it')
    expect(invalidFileOptions('the isolation options for a.test.ts', refusal)).toMatchObject({ code: 'ISOLANE_INVALID_OPTIONS', message: `the isolation options for a.test.ts are invalid: ${refusal.message}`, hint: 'drop it', cause: refusal })
    expect(invalidFileOptions('the options of b.test.ts', new SyntaxError('Unexpected token'), 'write JSON')).toMatchObject({ code: 'ISOLANE_INVALID_OPTIONS', hint: 'write JSON' })
  })

  it("keeps what failed and why apart from what to do (`reason`), for a message that gives its own fix, across processes too", () => {
    const refused = syscallError('unshare', 1, { call: 'unshare(CLONE_NEWNET)' })
    expect(refused.reason).toMatch(/^unshare\(CLONE_NEWNET\) failed: EPERM \(operation not permitted\): /i)
    expect(refused.message).toBe(`${refused.reason}. To fix: ${refused.hint}.`)
    expect(invalidOptions('`x` is wrong', 'drop it').reason).toBe('Invalid isolation options: `x` is wrong')
    expect(deserializeError(JSON.parse(JSON.stringify(serializeError(refused))) as SerializedIsolaneError).reason).toBe(refused.reason)
  })
})
