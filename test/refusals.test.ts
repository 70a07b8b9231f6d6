// Where the kernel refuses both ways, every entry point says so before any worker, with the reason
// and the fix: here under a seccomp filter that refuses unshare(2), as Docker's default profile
// does (test/seccomp-deny-unshare.c, compiled here), which also stops root.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runVitest } from '../fixtures/vitest/run-vitest.js'

const root = join(import.meta.dirname, '..')
const bin = join(root, 'packages/cli/bin/isolane.js')
const mochaBin = join(root, 'packages/mocha/bin/isolane-mocha.js')
const jestBin = join(root, 'node_modules/jest/bin/jest.js')
const node = process.execPath
let build = ''
let filtered = ''
let skip: string | undefined

beforeAll(() => {
  build = mkdtempSync(join(tmpdir(), 'isolane-seccomp-'))
  filtered = join(build, 'seccomp-deny-unshare')
  const cc = spawnSync('cc', ['-O2', '-o', filtered, join(import.meta.dirname, 'seccomp-deny-unshare.c')], { encoding: 'utf8' })
  if (cc.error || cc.status !== 0) skip = `no C compiler to build the seccomp filter (${cc.error?.message ?? cc.stderr.trim()})`
  else if (spawnSync(filtered, ['true']).status !== 0) skip = 'this kernel does not take the seccomp filter'
  if (skip) console.warn(`skipped the seccomp refusal tests: ${skip}`)
})
afterAll(() => rmSync(build, { recursive: true, force: true }))

const under = (args: string[], cwd = root) => spawnSync(filtered, args, { encoding: 'utf8', cwd, env: { ...process.env, NO_COLOR: '1' } })
const seccomp = /a seccomp filter refuses unshare\(2\) \(a default Docker container does, even as root; `unshare` said: unshare: unshare failed: Operation not permitted\)\. To fix: start the container with `--cap-add SYS_ADMIN --security-opt seccomp=unconfined --security-opt apparmor=unconfined` \(or `--privileged`\)/

describe('under a seccomp filter that refuses unshare(2)', () => {
  it('doctor says no way works, why, and the container flags that fix it', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const result = under([node, bin, 'doctor'])
    expect(result.stdout).toMatch(/Not ready: no way to make net, mnt, ipc, uts namespaces works here\./)
    expect(result.stdout).toMatch(seccomp)
    expect(result.status).toBe(1)
  })

  it('isolane run refuses with ISOLANE_SECCOMP and runs nothing', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const result = under([node, bin, 'run', '--', 'sh', '-c', 'echo ran'])
    expect(result.stdout).not.toContain('ran')
    expect(result.stderr).toMatch(seccomp)
    expect(result.stderr).toContain('(ISOLANE_SECCOMP)')
    expect(result.status).toBe(125)
  })

  it('isolane-mocha and the Vitest pool refuse once, before any worker', async ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const mocha = under([node, mochaBin, 'fixtures/mocha/binds-port-3000'])
    expect(mocha.stdout).not.toMatch(/passing|failing/)
    expect(mocha.stderr.match(/seccomp filter refuses unshare/g)).toHaveLength(1)
    expect(mocha.stderr).toMatch(seccomp)
    expect(mocha.status).toBe(1)
    const vitest = await runVitest('binds-port-3000', { prefix: [filtered], args: ['--configLoader=runner'] })
    expect(vitest.files).toEqual([])
    expect(vitest.output).toMatch(/isolane pool: the test workers cannot get fresh net, mnt, ipc, uts namespaces on this machine, so no test ran\./)
    expect(vitest.output).toMatch(seccomp)
    expect(vitest.code).toBe(1)
  })

  it('the Jest runner refuses once, before any worker, and Jest exits with 1', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const jest = under([node, jestBin, '--ci', `--cacheDirectory=${join(build, 'jest-cache')}`], join(root, 'fixtures/jest/binds-port-3000'))
    expect(jest.stderr).not.toMatch(/PASS|FAIL/)
    expect(jest.stderr.match(/seccomp filter refuses unshare/g)).toHaveLength(1)
    expect(jest.stderr).toMatch(/@isolane\/jest: the test workers cannot get fresh net, mnt, ipc, uts namespaces on this machine, so no test ran\./)
    expect(jest.stderr).toMatch(seccomp)
    expect(jest.stderr).toMatch(/set `fallback: 'none'` in `runner: \['@isolane\/jest', \{ \.\.\. \}\]`/)
    expect(jest.status).toBe(1)
  })

  it("with fallback: 'none', runs the suite without isolation and says so once, at the start", ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const result = under([node, mochaBin, '--isolane-fallback', 'none', 'fixtures/mocha/sets-hostname'])
    expect(result.stderr.match(/running WITHOUT isolation/g)).toHaveLength(1)
    expect(result.stderr).toMatch(/^isolane: running WITHOUT isolation \(fallback: 'none'\): the workers share the host's net, mnt, ipc, uts namespaces\./m)
    expect(result.stdout).toMatch(/passing/)
  })
})
