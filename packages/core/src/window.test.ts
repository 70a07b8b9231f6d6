import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isIsolaneError } from './errors.js'
import { isFsContextUnshared } from './fs-context.js'
import { ALL_KINDS, type NamespaceKind } from './kinds.js'
import { namespaceIds, type NamespaceIds } from './inspect.js'
import { createPlan } from './plan.js'
import { enterIsolation, withIsolation } from './window.js'
import { cannotIsolate, snapshotParent } from './test-support.js'

const skip = cannotIsolate(['net', 'mnt', 'ipc', 'uts', 'pid', 'cgroup'])
const fixture = join(import.meta.dirname, '../test-fixtures/serve-3000.cjs')

/** The namespace ids of a child as it sees itself, read by a shell started in the window. */
function childIds(options: Parameters<typeof withIsolation>[0]): NamespaceIds {
  const script = ALL_KINDS.map((kind) => `readlink /proc/self/ns/${kind}`).join('; ')
  const out = withIsolation(options, () => execFileSync('sh', ['-c', script], { encoding: 'utf8' }))
  const ids = {} as NamespaceIds
  out.trim().split('\n').forEach((line, i) => (ids[ALL_KINDS[i]!] = Number(/\[(\d+)\]/.exec(line)![1])))
  return ids
}

describe.skipIf(skip)('the isolation window', () => {
  const host = namespaceIds('self')

  it.each<NamespaceKind[]>([['net'], ['uts', 'ipc'], ['mnt'], ['pid'], ['cgroup'], ['net', 'mnt', 'ipc', 'uts'], ['net', 'mnt', 'ipc', 'uts', 'pid', 'cgroup']])(
    'gives a child new ids for exactly %j',
    (...kinds) => {
      const ids = childIds({ namespaces: kinds })
      for (const kind of ALL_KINDS) {
        if (kinds.includes(kind)) expect(ids[kind], kind).not.toBe(host[kind])
        else expect(ids[kind], kind).toBe(host[kind])
      }
    },
  )

  describe('two children at once', () => {
    let hostServer: Server
    let hostPort = 0
    const children: ChildProcess[] = []

    beforeAll(async () => {
      hostServer = createServer((socket) => socket.end('host'))
      await new Promise<void>((resolve) => hostServer.listen(0, '127.0.0.1', resolve))
      hostPort = (hostServer.address() as { port: number }).port
    })
    afterAll(async () => {
      for (const child of children) child.kill('SIGKILL')
      await new Promise((resolve) => hostServer.close(resolve))
    })

    it('both bind 127.0.0.1:3000, and neither reaches the host loopback server', async () => {
      const start = () => {
        const child = withIsolation({}, () => fork(fixture, { env: { ...process.env, HOST_PORT: String(hostPort) } }))
        children.push(child)
        return new Promise<Record<string, unknown>>((resolve, reject) => {
          child.once('message', (m) => resolve(m as Record<string, unknown>))
          child.once('exit', (code) => reject(new Error(`child exited with ${code} before reporting`)))
        })
      }
      // Both children are started before either reports, so both hold port 3000 at once.
      const [a, b] = await Promise.all([start(), start()])
      for (const result of [a, b]) {
        expect(result).toMatchObject({ bound: true, hostReachable: false, hostError: 'ECONNREFUSED' })
        expect(result.answer).toMatch(/^pid \d+$/)
      }
      expect(a.net).not.toBe(b.net)
      expect(a.net).not.toBe(readlinkSync('/proc/self/ns/net'))
      for (const child of children) child.send('exit')
    })
  })

  it('sets a hostname the host does not get, and a tmpfs the host cannot see, with no mount propagating', () => {
    const before = snapshotParent()
    const marker = `isolane-marker-${process.pid}`
    const out = withIsolation({ hostname: 'isolated-{workerId}' }, () =>
      execFileSync('sh', ['-c', `hostname; touch /tmp/${marker}; ls /tmp; grep -c ' /tmp ' /proc/self/mountinfo`], { encoding: 'utf8' }),
      { workerId: 4 })
    const [childHostname, ...rest] = out.trim().split('\n')
    expect(childHostname).toBe('isolated-4')
    expect(rest).toContain(marker)
    expect(hostname()).toBe(before.hostname)
    expect(hostname()).not.toBe('isolated-4')
    expect(existsSync(`/tmp/${marker}`)).toBe(false)
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toBe(before.mounts)
    expect(readFileSync('/proc/1/mountinfo', 'utf8').split('\n').some((line) => line.includes(' /tmp ') && line.includes('tmpfs') && line.includes('mode=1777'))).toBe(false)
  })

  it('leaves the parent as it was after many windows, including ones that fail halfway', () => {
    const before = snapshotParent()
    const scratch = mkdtempSync(join(tmpdir(), 'isolane-vanishing-'))
    try {
      for (let i = 0; i < 40; i++) withIsolation({ hostname: `w${i}`, namespaces: ['net', 'mnt', 'ipc', 'uts', 'pid', 'cgroup'] }, () => undefined)
      // A plugin fails after unshare, lo, hostname and tmpfs are done.
      for (let i = 0; i < 10; i++) {
        expect(() => withIsolation({ hostname: 'half', plugins: [{ name: 'breaks', setup: () => { throw new Error('boom') } }] }, () => undefined)).toThrow(/Isolation plugin "breaks" failed: boom/)
      }
      // A syscall fails halfway: the tmpfs mount point vanished between validation and the window.
      const plan = createPlan({ tmpfs: ['/tmp', scratch] })
      rmSync(scratch, { recursive: true })
      let failure: unknown
      try {
        withIsolation(plan, () => undefined)
      } catch (error) {
        failure = error
      }
      expect(isIsolaneError(failure) && failure.code).toBe('ENOENT')
      expect((failure as Error).message).toMatch(/mount\(tmpfs on .*isolane-vanishing-.*\) failed: ENOENT/)
      // The callback itself throws.
      expect(() => withIsolation({}, () => { throw new Error('callback failed') })).toThrow('callback failed')
    } finally {
      rmSync(scratch, { recursive: true, force: true })
    }
    expect(snapshotParent()).toEqual(before)
  })

  it('refuses process.chdir() once the filesystem context is unshared, instead of misbehaving', async () => {
    withIsolation({}, () => undefined)
    expect(isFsContextUnshared()).toBe(true)
    const cwd = process.cwd()
    expect(() => process.chdir('/')).toThrow(expect.objectContaining({ code: 'ISOLANE_FS_CONTEXT_UNSHARED', message: expect.stringMatching(/process\.chdir\(\) refused.*To fix: /) }))
    expect(() => process.umask(0o077)).toThrow(/process\.umask\(mask\) refused/)
    expect(typeof process.umask()).toBe('number')
    expect(process.cwd()).toBe(cwd)
    // The main thread and libuv's threadpool still agree on relative paths.
    const name = `isolane-cwd-check-${process.pid}`
    const dir = mkdtempSync(join(tmpdir(), 'isolane-cwd-'))
    writeFileSync(join(dir, name), 'x')
    try {
      const relative = join(dir, name).replace(`${cwd}/`, '')
      const { readFile } = await import('node:fs/promises')
      expect(await readFile(relative.startsWith('/') ? relative : join(cwd, relative), 'utf8')).toBe('x')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('can stay open across calls: enterIsolation() until restore()', () => {
    const before = snapshotParent()
    const window = enterIsolation({ namespaces: ['net', 'uts', 'ipc'], hostname: 'entered' })
    expect(hostname()).toBe('entered')
    expect(namespaceIds('thread-self').net).not.toBe(before.namespaces.net)
    expect(window.context).toEqual({ workerId: undefined, kinds: ['net', 'uts', 'ipc'], hostname: 'entered' })
    window.restore()
    window.restore()
    expect(snapshotParent()).toEqual(before)
    // A failing step restores the thread before the error reaches the caller.
    expect(() => enterIsolation({ namespaces: ['uts'], hostname: 'x', plugins: [{ name: 'fails', setup: () => { throw new Error('no') } }] })).toThrow(/plugin "fails" failed: no/)
    expect(snapshotParent()).toEqual(before)
  })

  it('passes no descriptor of its own to the child', () => {
    const list = () => execFileSync('sh', ['-c', 'cd /proc/self/fd && for fd in *; do echo "$fd $(readlink $fd | sed s/[0-9]*//g)"; done'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    const isolated = withIsolation({ binds: [{ source: tmpdir(), target: '/tmp/bound' }] }, list)
    // The same child started outside any window sees the same descriptors (pipe numbers aside).
    expect(isolated).toBe(list())
    expect(isolated).not.toMatch(/ns:|mnt:|net:/)
  })

  it('runs a pid namespace child as PID 1, and a new mount of proc there shows only its own', () => {
    mkdirSync('/tmp', { recursive: true })
    const out = withIsolation({ namespaces: ['pid', 'mnt'] }, () => execFileSync('sh', ['-c', 'echo $$; mount -t proc proc /proc && ls /proc | grep -c "^[0-9]"'], { encoding: 'utf8' }))
    const [pid, processes] = out.trim().split('\n')
    expect(pid).toBe('1')
    expect(Number(processes)).toBeLessThanOrEqual(3)
  })
})

if (skip) it.skip(`isolation window: ${skip}`, () => {})
void spawn
