// The environment's setup and teardown, called directly on this test's own thread (the main
// thread of a Vitest forks worker): real namespaces, restored afterwards.
import { spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import { fileURLToPath } from 'node:url'
import { canIsolate, namespaceId, probe } from '@isolane/core/internal'
import { describe, expect, it } from 'vitest'
import environment, { currentIsolation } from './index.js'

const verdict = canIsolate(['net', 'uts', 'ipc'], probe())
if (!verdict.ok) console.log(`skipping the environment tests: ${verdict.kind} namespaces are not usable here (${verdict.code}: ${verdict.reason})`)

const ids = () => ({ net: namespaceId('thread-self', 'net'), uts: namespaceId('thread-self', 'uts'), ipc: namespaceId('thread-self', 'ipc'), mnt: namespaceId('thread-self', 'mnt') })

describe.skipIf(!verdict.ok)('the isolane environment outside the isolane pool', () => {
  it('moves the thread into fresh net, uts and ipc namespaces and puts it back on teardown', async () => {
    const before = ids()
    const hostBefore = hostname()
    const env = await environment.setup(globalThis, { isolane: { namespaces: ['net', 'uts', 'ipc'], hostname: 'env-unit' } })
    try {
      const inside = ids()
      expect(inside.net).not.toBe(before.net)
      expect(inside.uts).not.toBe(before.uts)
      expect(inside.ipc).not.toBe(before.ipc)
      expect(inside.mnt).toBe(before.mnt)
      expect(hostname()).toBe('env-unit')
      expect(currentIsolation()).toEqual({ by: 'environment', kinds: ['net', 'uts', 'ipc'], hostname: 'env-unit', notIsolated: [] })
    } finally {
      await env.teardown(globalThis)
    }
    expect(ids()).toEqual(before)
    expect(hostname()).toBe(hostBefore)
    expect(currentIsolation()).toBeUndefined()
  })

  it('takes what a file shares out of the defaults', async () => {
    const before = ids()
    const env = await environment.setup(globalThis, { isolane: { share: ['net'] } })
    try {
      expect(ids().net).toBe(before.net)
      expect(ids().uts).not.toBe(before.uts)
      expect(currentIsolation()?.kinds).toEqual(['uts', 'ipc'])
    } finally {
      await env.teardown(globalThis)
    }
    expect(ids()).toEqual(before)
  })

  it('refuses a mount namespace before touching the thread, saying why and what to do', async () => {
    const before = ids()
    await expect(environment.setup(globalThis, { isolane: { namespaces: ['net', 'mnt'] } })).rejects.toThrow(/mnt cannot be isolated from inside a worker process of a pool other than isolane.*To fix: use the isolane pool/s)
    await expect(environment.setup(globalThis, { isolane: { namespaces: ['net'], tmpfs: ['/tmp'] } })).rejects.toThrow(/mnt cannot be isolated/)
    expect(ids()).toEqual(before)
  })
})

describe('without the privilege to make namespaces', () => {
  // As root the test drops to uid 65534; as a user without privilege it runs as it is.
  const root = process.getuid?.() === 0
  const privileged = !root && probe().capSysAdmin
  if (privileged) console.log('skipping the unprivileged environment test: this process has CAP_SYS_ADMIN without being root, so it can neither drop to another uid nor fail')

  it.skipIf(privileged)('fails loudly with EPERM, saying that the isolane pool is the way without root', () => {
    const entry = fileURLToPath(new URL('../../dist/environment/index.js', import.meta.url))
    const script = `const { default: env } = await import(${JSON.stringify(entry)})
      try { await env.setup(globalThis, {}); console.log('SET UP') } catch (error) { console.log(error.code + ': ' + error.message) }`
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { ...(root ? { uid: 65534, gid: 65534 } : {}), encoding: 'utf8' })
    expect(child.stdout).toMatch(/^EPERM: isolane environment: a worker process of a pool other than isolane cannot get fresh namespaces without privilege: unshare\(CLONE_NEWNET\|CLONE_NEWUTS\|CLONE_NEWIPC\) failed: EPERM .*CAP_SYS_ADMIN/)
    expect(child.stdout).toMatch(/a thread of a running Node process .*EINVAL.*To fix: use the isolane pool \(`pool: isolane\(\)`/)
  })
})
