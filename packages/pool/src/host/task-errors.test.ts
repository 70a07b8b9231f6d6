// The error round trip between a worker and the host, without processes: what the worker
// serializes (shared/serialize-error.ts) comes back as an error (host/task-errors.ts).
import { describe, expect, it } from 'vitest'
import { IsolaneError, isIsolaneError } from '@isolane/core/internal'
import { serializeTaskError } from '../shared/serialize-error.js'
import { toTaskError } from './task-errors.js'

/** As the IPC channel carries it: JSON. */
const roundTrip = (error: unknown) => toTaskError(JSON.parse(JSON.stringify(serializeTaskError(error))))

describe('task errors', () => {
  it('keep the class name, message, stack, code, plain properties and the cause chain', () => {
    const original = Object.assign(new RangeError('out of range', { cause: new Error('deeper', { cause: 'a string cause' }) }), { code: 'E_RANGE', limit: 3, tags: ['a'], fn: () => 1 })
    const error = roundTrip(original) as Error & Record<string, unknown>
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({ name: 'RangeError', message: 'out of range', code: 'E_RANGE', limit: 3, tags: ['a'] })
    expect(error.fn).toBeUndefined()
    expect(error.stack).toBe(original.stack)
    expect(error.cause).toMatchObject({ name: 'Error', message: 'deeper', cause: 'a string cause' })
  })

  it('come back as an IsolaneError, recognisable with isIsolaneError', () => {
    const original = new IsolaneError('EPERM', 'unshare(CLONE_NEWNET) failed: EPERM', { errno: -1, syscall: 'unshare', hint: 'run as root' })
    const error = roundTrip(original)
    expect(error).toBeInstanceOf(IsolaneError)
    expect(isIsolaneError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'EPERM', errno: -1, syscall: 'unshare', hint: 'run as root', message: original.message })
  })

  it('say what was thrown when it was not an error', () => {
    expect(roundTrip('just a string')).toMatchObject({ message: 'a non-error value was thrown: "just a string"' })
    expect(roundTrip(42)).toMatchObject({ message: 'a non-error value was thrown: 42' })
  })

  it('leave other rejections as they are', () => {
    const abort = new Error('The task has been aborted')
    expect(toTaskError(abort)).toBe(abort)
  })
})
