// As a user without privilege, isolane either works rootless (inside a user namespace that owns the
// others) or fails with an error naming the missing privilege and the fix. Needs root to create
// the user; skipped, saying why, elsewhere.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { probe } from '@isolane/core'

const USER = 'isolane-rootless'
const root = join(import.meta.dirname, '..')
const bin = join(root, 'packages/cli/bin/isolane.js')
const core = join(root, 'packages/core/dist/index.js')
const pool = join(root, 'packages/pool/dist/index.js')
const mochaBin = join(root, 'packages/mocha/bin/isolane-mocha.js')
const worker = join(root, 'fixtures/pool/reports-namespaces.js')
// Creates a pool and runs one task; prints the worker's namespaces and the process's own, or the
// error createPool() threw and the child processes there were at that moment (none expected).
const poolScript = `
const { readFileSync, readdirSync, readlinkSync } = require('node:fs')
const own = Object.fromEntries(['net', 'mnt', 'ipc', 'uts'].map((k) => [k, readlinkSync('/proc/self/ns/' + k)]))
const children = () => readdirSync('/proc/self/task').map((t) => readFileSync('/proc/self/task/' + t + '/children', 'utf8')).join('').trim()
import('${pool}').then(async ({ createPool }) => {
  let p
  try { p = createPool({ filename: '${worker}' }) } catch (e) { return console.log(JSON.stringify({ code: e.code, message: e.message, children: children() })) }
  const { namespaces } = await p.run({})
  await p.destroy()
  console.log(JSON.stringify({ own, worker: namespaces }))
})`

function as(user: string, command: string, cwd = '/') {
  // From / by default: the test user may not enter the repository's folder, and a private /tmp is
  // empty there. The pool and Mocha run from the project, as users run them: a project under /tmp
  // is then shown again inside the workers' fresh /tmp (the cwd's top folder is bound).
  const result = spawnSync('su', [user, '-s', '/bin/sh', '-c', command], { encoding: 'utf8', cwd, env: { ...process.env, NO_COLOR: '1' } })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

function whyNot(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root, so no test user can be created'
  if (spawnSync('which', ['useradd']).status !== 0) return 'useradd is not installed'
  return undefined
}

let skip = whyNot()
let created = false

beforeAll(() => {
  if (skip) return
  if (spawnSync('id', [USER]).status !== 0) {
    const add = spawnSync('useradd', ['--no-create-home', '--shell', '/bin/sh', USER], { encoding: 'utf8' })
    if (add.status !== 0) skip = `useradd failed: ${add.stderr.trim()}`
    else created = true
  }
  if (!skip && as(USER, `test -r ${bin} && test -r ${core} && cd ${root} && ${process.execPath} -e 0`).status !== 0)
    skip = `the user ${USER} cannot read the repository at ${root} or run ${process.execPath} (check the permissions of its parent folders)`
  if (skip) console.warn(`skipped: ${skip}`)
})

afterAll(() => {
  if (created) spawnSync('userdel', [USER])
})

const node = process.execPath

describe('as a user without privilege', () => {
  it('doctor says what is missing and how to fix it', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const result = as(USER, `${node} ${bin} doctor`)
    expect(result.status).toBe(1)
    expect(result.stdout).toMatch(/no CAP_SYS_ADMIN/)
    expect(result.stdout).toMatch(/net\s+no\s+default\s+EPERM: unshare\(CLONE_NEWNET\) failed/)
    expect(result.stdout).toMatch(/Not ready: net, mnt, ipc, uts/)
    expect(result.stdout).toMatch(/unshare --user --map-root-user --net --mount --ipc --uts/)
  })

  it('run fails with the syscall, the errno and the fix, and runs nothing', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const result = as(USER, `${node} ${bin} run -- sh -c 'echo ran'`)
    expect(result.status).toBe(125)
    expect(result.stdout).not.toContain('ran')
    expect(result.stderr).toMatch(/unshare\(CLONE_NEWNET\|CLONE_NEWNS\|CLONE_NEWIPC\|CLONE_NEWUTS\) failed: EPERM \(operation not permitted\): the process lacks CAP_SYS_ADMIN.*To fix: run as root.*unshare --user --map-root-user/)
  })

  it('the core API throws the same error as a value a program can inspect', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const script = `import('${core}').then((c) => { try { c.withIsolation({}, () => 0) } catch (e) { console.log(JSON.stringify({ code: e.code, syscall: e.syscall, errno: e.errno, changed: c.namespaceIds('thread-self').net !== c.namespaceIds('self').net })) } })`
    const result = as(USER, `${node} -e "${script.replaceAll('"', '\\"')}"`)
    expect(JSON.parse(result.stdout)).toEqual({ code: 'EPERM', syscall: 'unshare', errno: -1, changed: false })
  })

  it('checkIsolation() answers for each kind as the windows would: EPERM, not owned, or usable', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    // Each kind alone, then the four at once.
    const script = `import('${core}').then((c) => console.log(JSON.stringify([['net'], ['mnt'], ['ipc'], ['uts'], ['net', 'mnt', 'ipc', 'uts']].map((k) => { const v = c.checkIsolation(k); return v.ok ? 'ok' : v.code + ': ' + v.reason }))))`
    const run = (prefix: string) => JSON.parse(as(USER, `${prefix}${node} -e "${script.replaceAll('"', '\\"')}"`).stdout) as string[]
    const plain = run('')
    for (const answer of plain) expect(answer).toMatch(/^EPERM: unshare\(CLONE_NEW\w+\) failed: EPERM \(operation not permitted\): the process lacks CAP_SYS_ADMIN/)
    expect(plain[1]).toContain('unshare(CLONE_NEWNS)')
    const userns = probe().unprivilegedUserNamespaces
    if (!userns.allowed) return skipTest(`unprivileged user namespaces are not allowed here: ${userns.reason}`)
    const notOwned = run('unshare --user --map-root-user ')
    for (const answer of notOwned) expect(answer).toMatch(/^ISOLANE_NAMESPACES_NOT_OWNED: /)
    // One refusal names every kind it lacks, and the launcher command that fixes them all.
    expect(notOwned[4]).toMatch(/does not own its net, mnt, ipc, uts namespaces.*unshare --user --map-root-user --net --mount --ipc --uts node/)
    expect(run('unshare --user --map-root-user --net --mount --ipc --uts ')).toEqual(['ok', 'ok', 'ok', 'ok', 'ok'])
  })

  it('createPool() refuses before any worker starts, with the kind, the errno and the fix', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const result = as(USER, `${node} -e "${poolScript.replaceAll('"', '\\"')}"`, root)
    expect(result.stderr).toBe('')
    const answer = JSON.parse(result.stdout) as { code: string; message: string; children: string }
    expect(answer.code).toBe('EPERM')
    expect(answer.message).toMatch(/^The pool cannot make a fresh net namespace for its workers, so it started no worker\. unshare\(CLONE_NEWNET\) failed: EPERM \(operation not permitted\): the process lacks CAP_SYS_ADMIN.*To fix: run as root.*unshare --user --map-root-user --net --mount --ipc --uts node/)
    expect(answer.children).toBe('')
  })

  it('createPool() works rootless inside a user namespace that owns the others', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const userns = probe().unprivilegedUserNamespaces
    if (!userns.allowed) return skipTest(`unprivileged user namespaces are not allowed here: ${userns.reason}`)
    const result = as(USER, `unshare --user --map-root-user --net --mount --ipc --uts ${node} -e "${poolScript.replaceAll('"', '\\"')}"`, root)
    expect(result.stderr).toBe('')
    const answer = JSON.parse(result.stdout) as { own: Record<string, string>; worker: Record<string, string> }
    for (const kind of ['net', 'mnt', 'ipc', 'uts']) expect(answer.worker[kind], kind).not.toBe(answer.own[kind])
  })

  it('isolane-mocha says once why it cannot isolate, and runs no spec', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const result = as(USER, `${node} ${mochaBin} fixtures/mocha/binds-port-3000`, root)
    expect(result.status).toBe(1)
    expect(result.stdout).not.toMatch(/passing|failing/)
    expect(result.stderr.match(/cannot make a fresh net namespace/g)).toHaveLength(1)
    expect(result.stderr).toMatch(/isolane-mocha: The pool cannot make a fresh net namespace for its workers, so it started no worker\. unshare\(CLONE_NEWNET\) failed: EPERM.*To fix: run as root/)
  })

  it('refuses up front, saying why, in a user namespace that does not own the others', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const userns = probe().unprivilegedUserNamespaces
    if (!userns.allowed) return skipTest(`unprivileged user namespaces are not allowed here: ${userns.reason}`)
    const result = as(USER, `unshare --user --map-root-user ${node} ${bin} run --hostname x -- sh -c 'echo ran'`)
    expect(result.status).toBe(125)
    expect(result.stdout).not.toContain('ran')
    expect(result.stderr).toMatch(/does not own its net, mnt, ipc, uts namespaces: isolane could leave them but never return.*unshare --user --map-root-user --net --mount --ipc --uts node/)
    expect(result.stderr).toContain('ISOLANE_NAMESPACES_NOT_OWNED')
  })

  it('works rootless inside a user namespace that owns the others', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const userns = probe().unprivilegedUserNamespaces
    if (!userns.allowed) return skipTest(`unprivileged user namespaces are not allowed here: ${userns.reason}`)
    const result = as(USER, `unshare --user --map-root-user --net --mount --ipc --uts ${node} ${bin} run --hostname rootless -- sh -c 'hostname; ls -A /tmp | wc -l'`)
    expect(result.stderr).toBe('')
    expect(result.stdout.trim().split('\n')).toEqual(['rootless', '0'])
    expect(result.status).toBe(0)
  })
})
