import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { namespaceId, namespaceIds } from './inspect.js'
import { spawnInNamespacesOf, withNamespacesOf } from './join.js'
import { withIsolation } from './window.js'
import { cannotIsolate, snapshotParent } from './test-support.js'

const skip = cannotIsolate(['net', 'mnt', 'ipc', 'uts'])

describe.skipIf(skip)('joining the namespaces of another process', () => {
  let target: ChildProcess

  beforeAll(async () => {
    target = withIsolation({ hostname: 'join-target' }, () => spawn('sh', ['-c', 'echo ready; exec sleep 60'], { stdio: ['ignore', 'pipe', 'inherit'] }))
    await once(target.stdout!, 'data')
  })
  afterAll(async () => {
    target.kill('SIGKILL')
    await once(target, 'exit')
  })

  it('runs a callback inside them, and comes back', () => {
    const before = snapshotParent()
    const inside = withNamespacesOf(target.pid!, () => ({ net: namespaceId('thread-self', 'net'), uts: namespaceId('thread-self', 'uts'), hostname: readFileSync('/proc/sys/kernel/hostname', 'utf8').trim() }))
    expect(inside.net).toBe(namespaceId(target.pid!, 'net'))
    expect(inside.uts).toBe(namespaceId(target.pid!, 'uts'))
    expect(inside.hostname).toBe('join-target')
    expect(snapshotParent()).toEqual(before)
    expect(hostname()).not.toBe('join-target')
  })

  it('spawns a command inside them, as nsenter does', async () => {
    const child = spawnInNamespacesOf(target.pid!, 'sh', ['-c', 'hostname; readlink /proc/self/ns/net; ls /tmp | wc -l'], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout!.on('data', (chunk) => (out += chunk))
    await once(child, 'exit')
    const [name, net] = out.trim().split('\n')
    expect(name).toBe('join-target')
    expect(net).toBe(`net:[${namespaceId(target.pid!, 'net')}]`)
  })

  it('joins only the kinds asked for', () => {
    const host = namespaceIds('self')
    const out = withNamespacesOf(target.pid!, () => execFileSync('sh', ['-c', 'readlink /proc/self/ns/net /proc/self/ns/uts'], { encoding: 'utf8' }), ['uts'])
    const [net, uts] = out.trim().split('\n')
    expect(net).toBe(`net:[${host.net}]`)
    expect(uts).toBe(`uts:[${namespaceId(target.pid!, 'uts')}]`)
  })

  it('refuses a user namespace and a process that does not exist, clearly', () => {
    expect(() => withNamespacesOf(target.pid!, () => 1, ['user'])).toThrow(expect.objectContaining({ code: 'ISOLANE_USERNS_FROM_NODE' }))
    expect(() => withNamespacesOf(2 ** 22 + 12345, () => 1, ['net'])).toThrow(expect.objectContaining({ code: 'ENOENT', syscall: 'stat' }))
  })
})

if (skip) it.skip(`join: ${skip}`, () => {})
