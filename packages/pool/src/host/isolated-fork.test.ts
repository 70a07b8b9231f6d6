import type { ChildProcess } from 'node:child_process'
import { hostname } from 'node:os'
import { describe, expect, it } from 'vitest'
import { isIsolaneError } from '@isolane/core/internal'
import { forkIsolated, spawnIsolated } from '../index.js'
import { childPids, fixture, isAlive, threadNamespaces, unlessIsolationIsPossible } from '../test-support/processes.js'

interface Printed {
  net: string
  mnt: string
  ipc: string
  uts: string
  pid: number
  hostname: string
  workerId: string | null
  execArgv: string[]
}

const noDefaultIsolation = unlessIsolationIsPossible(['net', 'mnt', 'ipc', 'uts'], 'forkIsolated/spawnIsolated')
const noPidNamespace = unlessIsolationIsPossible(['pid'], 'forkIsolated with a PID namespace')
const noCgroupNamespace = unlessIsolationIsPossible(['cgroup'], 'forkIsolated with a cgroup namespace')

describe.skipIf(noDefaultIsolation)('forkIsolated', () => {
  it('starts the child in fresh namespaces (default: net, mnt, ipc, uts), with its worker id', async () => {
    const host = threadNamespaces()
    const child = forkIsolated(fixture('prints-namespaces.cjs'), [], { stdio: 'pipe', workerId: 7, isolation: { hostname: 'f-{workerId}' } })
    const printed = JSON.parse(await outputOf(child)) as Printed
    for (const kind of ['net', 'mnt', 'ipc', 'uts'] as const) expect(printed[kind], kind).not.toBe(host[kind])
    expect(printed).toMatchObject({ hostname: 'f-7', workerId: '7' })
    expect(threadNamespaces()).toEqual(host)
    expect(hostname()).not.toBe('f-7')
  })

  it('takes (modulePath, options) as fork() does, and only the kinds asked for', async () => {
    const host = threadNamespaces()
    const child = forkIsolated(fixture('prints-namespaces.cjs'), { stdio: 'pipe', isolation: { namespaces: ['net'] } })
    const printed = JSON.parse(await outputOf(child)) as Printed
    expect(printed.net).not.toBe(host.net)
    expect(printed).toMatchObject({ mnt: host.mnt, uts: host.uts, ipc: host.ipc, workerId: null })
  })

  it.skipIf(noCgroupNamespace)('makes a cgroup namespace when asked', async () => {
    const host = threadNamespaces()
    const child = forkIsolated(fixture('prints-namespaces.cjs'), [], { stdio: 'pipe', isolation: { namespaces: ['cgroup'] } })
    const printed = JSON.parse(await outputOf(child)) as Printed & { cgroup: string }
    expect(printed.cgroup).not.toBe(host.cgroup)
    expect(printed.net).toBe(host.net)
  })

  it('throws bad isolation options before anything is forked', () => {
    const children = childPids()
    let thrown: unknown
    try {
      forkIsolated(fixture('prints-namespaces.cjs'), [], { isolation: { namespaces: ['mnt'], loopback: true } })
    } catch (error) {
      thrown = error
    }
    expect(isIsolaneError(thrown) && thrown.code).toBe('ISOLANE_INVALID_OPTIONS')
    expect(() => forkIsolated(fixture('prints-namespaces.cjs'), [], { workerId: -1 })).toThrow(/`workerId` must be a non-negative integer/)
    expect(childPids()).toEqual(children)
  })
})

describe.skipIf(noDefaultIsolation)('spawnIsolated', () => {
  it('starts any command in fresh namespaces', async () => {
    const host = threadNamespaces()
    const child = spawnIsolated('sh', ['-c', 'readlink /proc/self/ns/net; hostname; echo "$ISOLANE_WORKER_ID"'], { workerId: 3, isolation: { hostname: 's-{workerId}' } })
    const [net, name, id] = (await outputOf(child)).trim().split('\n')
    expect(net).not.toBe(host.net)
    expect([name, id]).toEqual(['s-3', '3'])
  })
})

describe.skipIf(noPidNamespace || noDefaultIsolation)('forkIsolated with a PID namespace', () => {
  it('makes the child PID 1, which stops on SIGTERM', async () => {
    const child = forkIsolated(fixture('prints-namespaces.cjs'), ['wait'], { stdio: 'pipe', execArgv: ['--no-warnings'], isolation: { namespaces: ['pid', 'mnt'] } })
    const printed = JSON.parse(await firstLine(child)) as Printed
    expect(printed.pid).toBe(1)
    // Core's setup preload ran (it mounts the new namespace's /proc, and as PID 1 gives the child
    // handlers that stop it on SIGTERM and SIGINT: below), then left the child's execArgv, which
    // holds the caller's flags only.
    expect(printed.execArgv).toEqual(['--no-warnings'])
    const exit = new Promise<[number | null, string | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])))
    child.kill('SIGTERM')
    expect(await exit).toEqual([143, null])
    expect(isAlive(child.pid!)).toBe(false)
  })
})

async function outputOf(child: ChildProcess): Promise<string> {
  let text = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
  await new Promise((resolve, reject) => child.once('close', resolve).once('error', reject))
  return text
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk
      if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')))
    })
    child.once('error', reject)
  })
}
