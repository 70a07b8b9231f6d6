// The user-namespace way, tried for real (root may take it too): a child started through util-linux
// `unshare` in a user namespace of its own, set up by its preload, with every capability of the
// threads that run code dropped, and the parent exactly as it was.
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { namespaceIds } from './inspect.js'
import { askedSignal, forkIn, spawnIn } from './launch.js'
import { DEFAULT_KINDS } from './kinds.js'
import { createPlan } from './plan.js'
import type { IsolationOptions } from './plan-types.js'
import { chooseWay } from './way.js'
import { checkUserNamespaceWay } from './user-namespace.js'
import { cannotIsolate, snapshotParent } from './test-support.js'

// A normal user's child keeps no capability (root's keeps root's, within its user namespace).
const root = process.getuid?.() === 0
const NO_CAPABILITY = '0000000000000000'
if (root) console.warn('as root, the children keep their capabilities in their user namespace: the checks that none is left run as a normal user')
const fixture = (name: string) => join(import.meta.dirname, '../test-fixtures', name)
const answer = checkUserNamespaceWay([...DEFAULT_KINDS, 'pid'])
const skip = answer.usable ? undefined : `skipped: children cannot be started in user namespaces here (${answer.code}): ${answer.reason}`
if (skip) console.warn(skip)

interface Report {
  pid: number
  uid: number
  gid: number
  namespaces: Record<string, string>
  capEff: string
  threads: string[]
  processes: string[]
  hostname: string
  tmp: string[]
  execArgv: string[]
  setupVariable: string | null
  modules: string[]
}

const children: ChildProcess[] = []
afterAll(() => {
  for (const child of children) child.kill('SIGKILL')
})

const plan = (options: IsolationOptions = {}) => createPlan({ way: 'user-namespace', hostname: 'u-{workerId}', ...options }, { workerId: 4 })
const exited = (child: ChildProcess) => new Promise<[number | null, string | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])))
const firstMessage = (child: ChildProcess) => new Promise<Report>((resolve, reject) => child.once('message', (m) => resolve(m as Report)).once('exit', (code) => reject(new Error(`exited with ${code}`))))

describe.skipIf(skip)('the user-namespace way', () => {
  const host = namespaceIds('self')

  it('forks a Node child into a user namespace of its own owning fresh namespaces, set up before its code, with no capability its user lacks', async () => {
    const before = snapshotParent()
    const child = forkIn(plan(), 'user-namespace', fixture('reports-itself.cjs'), [], {})
    children.push(child)
    const report = await firstMessage(child)
    expect(await exited(child)).toEqual([0, null])
    for (const kind of ['net', 'mnt', 'ipc', 'uts', 'user']) expect(report.namespaces[kind], kind).not.toBe(`${kind}:[${host[kind as 'net']}]`)
    expect(report.namespaces.pid).toBe(`pid:[${host.pid}]`)
    // The user's own ids inside, and no capability the user lacks outside on the main thread or on
    // libuv's threadpool (made after the setup; the four last threads). V8's platform threads, made
    // before, keep the user namespace's; they run no user code.
    expect([report.uid, report.gid]).toEqual([process.getuid!(), process.getgid!()])
    if (!root) {
      expect(report.capEff).toBe(NO_CAPABILITY)
      expect(report.threads.slice(-4)).toEqual([NO_CAPABILITY, NO_CAPABILITY, NO_CAPABILITY, NO_CAPABILITY])
      expect(report.threads[0]).toBe(NO_CAPABILITY)
    }
    expect(report.hostname).toBe('u-4')
    expect(report.tmp.length).toBeLessThanOrEqual(1) // the working directory's top folder, if it is under /tmp
    // The setup ran (its preload is the one module of core's the child loaded, below), and neither
    // its plan nor the preload itself reaches the child's own children (fork() passes execArgv on).
    expect(report.execArgv.filter((flag) => flag.includes('child-setup'))).toEqual([])
    expect(report.setupVariable).toBeNull()
    // The preload is one bundled file (scripts/build.js) that loaded koffi's addon directly: no
    // core module through the ESM loader, no koffi lookup; together those cost a worker 22 ms.
    const ours = report.modules.filter((path) => /[\\/](core[\\/]dist|koffi)[\\/]/.test(path))
    expect(ours).toEqual([expect.stringMatching(/entry\/child-setup\.cjs$/)])
    expect(readFileSync(report.modules.find((path) => path.endsWith('child-setup.cjs'))!, 'utf8')).toMatch(/^\/\/ isolane: bundled by scripts\/build\.js/)
    expect(snapshotParent()).toEqual(before)
  })

  it('spawns a command that is not Node the same way: stdio passed on, its exit status kept', async () => {
    const before = snapshotParent()
    const child = spawnIn(plan(), 'user-namespace', 'sh', ['-c', 'hostname; grep CapEff /proc/self/status; readlink /proc/self/ns/net; exit 7'], { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk))
    expect(await exited(child)).toEqual([7, null])
    const [name, caps, net] = out.trim().split('\n')
    expect(name).toBe('u-4')
    if (!root) expect(caps).toBe(`CapEff:\t${NO_CAPABILITY}`)
    expect(net).not.toBe(`net:[${host.net}]`)
    expect(snapshotParent()).toEqual(before)
  })

  it('a step that fails ends the child before any of its code, saying which and why, with status 125; the parent is as it was', async () => {
    const before = snapshotParent()
    const child = forkIn(plan({ plugins: [{ name: 'broken', module: fixture('throws-in-setup.cjs') }] }), 'user-namespace', fixture('reports-itself.cjs'), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
    children.push(child)
    let err = ''
    let messages = 0
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk))
    child.on('message', () => messages++)
    expect(await exited(child)).toEqual([125, null])
    expect(messages).toBe(0)
    expect(err).toContain('isolane: the isolation setup of this worker (started in a user namespace of its own) failed before any of its code ran: Isolation plugin "broken" failed: the test database is not there')
    expect(snapshotParent()).toEqual(before)
  })

  it('with a PID namespace, the child is PID 1 and sees only its own processes; child.pid names it, and SIGTERM reaches it', async () => {
    const child = forkIn(plan({ namespaces: [...DEFAULT_KINDS, 'pid'] }), 'user-namespace', fixture('reports-itself.cjs'), ['wait'], {})
    children.push(child)
    const report = await firstMessage(child)
    expect(report.pid).toBe(1)
    expect(report.processes).toEqual(['1'])
    expect(report.namespaces.pid).not.toBe(`pid:[${host.pid}]`)
    // The launcher waits in between; the pid the caller sees is the worker's own.
    expect(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8')).toContain('reports-itself.cjs')
    // PID 1 of a namespace ignores every signal it has no handler for; the fixture has none.
    child.kill('SIGTERM')
    expect(await exited(child)).toEqual([143, null])
  })
})

describe('the privileged way with a PID namespace', () => {
  const noPrivilege = cannotIsolate([...DEFAULT_KINDS, 'pid'])

  it.skipIf(noPrivilege)('mounts the child its own /proc and lets SIGTERM and SIGINT end it as they end any process', async () => {
    for (const [signal, status] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
      const before = snapshotParent()
      const child = forkIn(createPlan({ way: 'privileged', namespaces: [...DEFAULT_KINDS, 'pid'] }), 'privileged', fixture('reports-itself.cjs'), ['wait'], {})
      children.push(child)
      const report = await firstMessage(child)
      expect(report.pid).toBe(1)
      expect(report.processes).toEqual(['1'])
      child.kill(signal)
      expect(await exited(child)).toEqual([status, null])
      expect(snapshotParent()).toEqual(before)
    }
  })
})

describe('a command that is not Node, as PID 1 of a PID namespace', () => {
  const privileged = !cannotIsolate([...DEFAULT_KINDS, 'pid'])
  if (!privileged) console.warn('the privileged way of the PID 1 signal tests needs root or CAP_SYS_ADMIN: only the user-namespace way runs here')
  const ways = [...(skip ? [] : (['user-namespace'] as const)), ...(privileged ? (['privileged'] as const) : [])]
  const pidPlan = (way: 'user-namespace' | 'privileged') => createPlan({ way, namespaces: [...DEFAULT_KINDS, 'pid'] })
  /** Waits until the child (PID 1 in its namespace) runs `command`, with a handler for SIGTERM if asked. */
  const running = async (child: ChildProcess, command: string, handlesTerm = false) => {
    for (let i = 0; i < 200; i++) {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
        const caught = BigInt(`0x${/^SigCgt:\s*([0-9a-f]+)$/m.exec(status)![1]}`)
        if (readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').startsWith(command) && /^NSpid:.*\s1$/m.test(status) && (!handlesTerm || ((caught >> 14n) & 1n) === 1n)) return
      } catch {
        // not there yet
      }
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    throw new Error(`${command} did not start as PID 1`)
  }

  for (const way of ways) {
    it(`ends on SIGTERM and SIGINT it has no handler for, as outside (sent SIGKILL, askedSignal says which) (way: ${way})`, async () => {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        const before = snapshotParent()
        const child = spawnIn(pidPlan(way), way, 'sleep', ['100'], { stdio: 'ignore' })
        children.push(child)
        await running(child, 'sleep')
        child.kill(signal)
        expect(await exited(child)).toEqual([null, 'SIGKILL'])
        expect(askedSignal(child)).toBe(signal)
        expect(snapshotParent()).toEqual(before)
      }
    })

    it(`gives a signal it has a handler for to the command itself (way: ${way})`, async () => {
      const child = spawnIn(pidPlan(way), way, 'sh', ['-c', 'trap "exit 7" TERM; while :; do sleep 0.05; done'], { stdio: 'ignore' })
      children.push(child)
      await running(child, 'sh', true)
      child.kill('SIGTERM')
      expect(await exited(child)).toEqual([7, null])
      expect(askedSignal(child)).toBeUndefined()
    })
  }
})

describe('chooseWay()', () => {
  it('refuses a function plugin for the user-namespace way before anything starts: a function cannot be sent to the child', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const verdict = chooseWay(createPlan({ way: 'user-namespace', plugins: [{ name: 'inline', setup() {} }] }))
    expect(verdict).toMatchObject({ ok: false, error: { code: 'ISOLANE_PLUGIN_NOT_SENDABLE' } })
  })

  it('takes the way asked for, and says which one auto picked', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    expect(chooseWay(createPlan({ way: 'user-namespace' }))).toEqual({ ok: true, way: 'user-namespace' })
    const auto = chooseWay(createPlan({}))
    expect(auto).toMatchObject({ ok: true })
    expect(['privileged', 'user-namespace']).toContain((auto as { way: string }).way)
  })
})
