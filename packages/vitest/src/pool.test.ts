import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { canIsolate, checkUserNamespaceWay, DEFAULT_KINDS, isIsolaneError, probe } from '@isolane/core/internal'
import { describe, expect, it } from 'vitest'
import { checkVitestVersion, isolane } from './pool.js'

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
      [{ fileTimeout: -1 }, 'ISOLANE_INVALID_OPTIONS', /`fileTimeout` must be a number of milliseconds greater than 0 \(or 0 for no limit\), got -1/],
      [{ fileTimeout: '5s' }, 'ISOLANE_INVALID_OPTIONS', /`fileTimeout` must be a number of milliseconds/],
      [{ reportNetworkAttempts: 'yes' }, 'ISOLANE_INVALID_OPTIONS', /`reportNetworkAttempts` must be true or false, got "yes"/],
      [{ leftovers: 'ignore' }, 'ISOLANE_INVALID_OPTIONS', /`leftovers` must be "stop", "fail" or "keep"/],
      [{ keep: 'always' }, 'ISOLANE_INVALID_OPTIONS', /`keep` must be "never" or "on-failure", got "always"/],
      [{ keep: 'on-failure', namespaces: ['net', 'mnt', 'pid'] }, 'ISOLANE_INVALID_OPTIONS', /with the pid kind every process of a worker ends with it/],
    ]
    for (const [options, code, message] of cases) {
      const error = thrown(() => isolane(options as never))
      expect(isIsolaneError(error), JSON.stringify(options)).toBe(true)
      expect((error as { code: string }).code).toBe(code)
      expect((error as Error).message).toMatch(message)
    }
  })
})

describe('the Vitest versions the pool supports', () => {
  it('takes Vitest 4 from 4.1.12 and Vitest 5', () => {
    for (const version of ['4.1.12', '4.2.0', '5.0.0', '5.1.2', '5.2.0-beta.1']) expect(() => checkVitestVersion(version), version).not.toThrow()
  })

  it('refuses another Vitest when the config loads, naming the range', () => {
    for (const version of ['3.2.7', '4.1.11', '4.0.0', '6.0.0']) {
      const error = thrown(() => checkVitestVersion(version))
      expect(error, version).toMatchObject({ code: 'ISOLANE_UNSUPPORTED_VERSION' })
      expect((error as Error).message).toContain(`this project runs Vitest ${version}, and @isolane/vitest supports Vitest ^4.1.12 || ^5.0.0`)
    }
  })
})

describe('isolane() without privilege', () => {
  // As root the config is loaded by a process dropped to uid 65534; as a user without privilege, as it is.
  const root = process.getuid?.() === 0
  const privileged = !root && probe().capSysAdmin
  if (privileged) console.log('skipping the unprivileged pool tests: this process has CAP_SYS_ADMIN without being root')
  const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url))
  const loadConfig = (options: object, env: NodeJS.ProcessEnv = process.env) => {
    const script = `const { isolane } = await import(${JSON.stringify(entry)})
      try { isolane(${JSON.stringify(options)}); console.log('POOL MADE') } catch (error) { console.log(error.code + ': ' + error.message) }`
    return spawnSync(process.execPath, ['--input-type=module', '-e', script], { ...(root ? { uid: 65534, gid: 65534 } : {}), env, encoding: 'utf8' })
  }
  const userns = checkUserNamespaceWay(DEFAULT_KINDS)

  it.skipIf(privileged)('takes the user-namespace way on its own where the kernel allows it', ({ skip }) => {
    if (!userns.usable) return skip(`user namespaces are not usable here: ${userns.reason}`)
    expect(loadConfig({}).stdout.trim()).toBe('POOL MADE')
  })

  it.skipIf(privileged)("refuses way: 'privileged' when the config loads, with the reason and what to do", () => {
    const child = loadConfig({ way: 'privileged' })
    expect(child.stdout).toMatch(/^EPERM: isolane pool: the test workers cannot get fresh net, mnt, ipc, uts namespaces on this machine, so no test ran\. unshare\(CLONE_NEWNET\) failed: EPERM .*`way: 'privileged'` was asked for; `way: 'auto'` would start each worker in a user namespace/)
    expect(child.stdout).toContain("use the stock pool (`pool: 'forks'`)")
  })

  it.skipIf(privileged)('refuses, naming the launcher, when util-linux `unshare` is not on PATH', () => {
    const child = loadConfig({}, { ...process.env, PATH: '/nonexistent' })
    expect(child.stdout).toMatch(/^ISOLANE_LAUNCHER_MISSING: isolane pool: the test workers cannot get fresh net, mnt, ipc, uts namespaces on this machine, so no test ran\. This process may not make net, mnt, ipc, uts namespaces itself \(unshare\(CLONE_NEWNET\) failed: EPERM.*\), and a user namespace of its own for each worker is not possible here either: util-linux `unshare` is not on PATH.*To fix: install util-linux/)
  })

  it.skipIf(privileged)("with fallback: 'none', makes the pool and says once, at once, that the workers are not isolated and why", () => {
    const child = loadConfig({ fallback: 'none' }, { ...process.env, PATH: '/nonexistent' })
    expect(child.stdout.trim()).toBe('POOL MADE')
    expect(child.stderr).toMatch(/^isolane: running WITHOUT isolation \(fallback: 'none'\): the workers share the host's net, mnt, ipc, uts namespaces\. .*util-linux `unshare` is not on PATH/)
    expect(child.stderr.match(/WITHOUT isolation/g)).toHaveLength(1)
  })
})
