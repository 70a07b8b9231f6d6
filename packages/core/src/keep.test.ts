import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, afterAll, describe, expect, it } from 'vitest'
import { namespaceId } from './inspect.js'
import { withNamespacesOf } from './join.js'
import { keepNamespace } from './keep.js'
import { withIsolation } from './window.js'
import { cannotIsolate } from './test-support.js'

const skip = cannotIsolate(['net', 'uts'])
// Made when the tests run, not when the file is collected (a filtered or listed run leaves none).
let dir = ''
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'isolane-keep-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe.skipIf(skip)('keeping a namespace', () => {
  it('outlives its last process, can be joined through the file, and goes on release', async () => {
    const child = withIsolation({ namespaces: ['net', 'uts'], hostname: 'kept' }, () => spawn('sleep', ['30']))
    const netId = namespaceId(child.pid!, 'net')
    const net = keepNamespace(child.pid!, 'net', join(dir, 'net'))
    const uts = keepNamespace(child.pid!, 'uts', join(dir, 'uts'))
    child.kill('SIGKILL')
    await once(child, 'exit')

    expect(net.id).toBe(netId)
    expect(namespaceId({ files: { net: net.path } }, 'net')).toBe(netId)
    const seen = withNamespacesOf({ files: { net: net.path, uts: uts.path } }, () => ({
      net: namespaceId('thread-self', 'net'),
      hostname: readFileSync('/proc/sys/kernel/hostname', 'utf8').trim(),
    }), ['net', 'uts'])
    expect(seen).toEqual({ net: netId, hostname: 'kept' })

    net.release()
    uts.release()
    expect(existsSync(net.path)).toBe(false)
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dir)
  })

  it('says clearly when the path is not a kept namespace', () => {
    const kept = keepNamespace('self', 'uts', join(dir, 'self-uts'))
    kept.release()
    expect(() => keepNamespace('self', 'bogus' as never, join(dir, 'x'))).toThrow(/unknown namespace kind "bogus"/)
  })
})

if (skip) it.skip(`keep: ${skip}`, () => {})
