// As a normal user, with no wrapper command: every adapter starts its workers in user namespaces of
// their own (util-linux `unshare`), with the user's own uid and no capability left, while the
// runner itself stays on the host; where the kernel refuses, each says why and what to do, before
// any worker. Run by root, which creates the user; skipped, saying why, elsewhere.
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkUserNamespaceWay, DEFAULT_KINDS, namespaceId } from '@isolane/core'
import { runVitest } from '../fixtures/vitest/run-vitest.js'

const USER = 'isolane-rootless'
const root = join(import.meta.dirname, '..')
const bin = join(root, 'packages/cli/bin/isolane.js')
const core = join(root, 'packages/core/dist/index.js')
const pool = join(root, 'packages/pool/dist/index.js')
const mochaBin = join(root, 'packages/mocha/bin/isolane-mocha.js')
const worker = join(root, 'fixtures/pool/reports-namespaces.js')
const node = process.execPath
const SETPRIV = spawnSync('sh', ['-c', 'command -v setpriv'], { encoding: 'utf8' }).stdout.trim() || 'setpriv'
// Creates a pool (options as JSON in argv[1]) and runs two tasks at once; prints the workers'
// reports and the process's own namespaces, or the error createPool() threw and the children the
// process had at that moment (none expected).
const poolScript = `
const { readFileSync, readdirSync, readlinkSync } = require('node:fs')
const own = Object.fromEntries(['net', 'mnt', 'ipc', 'uts', 'user'].map((k) => [k, readlinkSync('/proc/self/ns/' + k)]))
const children = () => readdirSync('/proc/self/task').map((t) => readFileSync('/proc/self/task/' + t + '/children', 'utf8')).join('').trim()
import('${pool}').then(async ({ createPool }) => {
  let p
  try { p = createPool({ filename: '${worker}', maxThreads: 2, ...JSON.parse(process.argv[1]) }) } catch (e) { return console.log(JSON.stringify({ code: e.code, message: e.message, children: children() })) }
  const workers = await Promise.all([p.run({}), p.run({})])
  await p.destroy()
  console.log(JSON.stringify({ own, uid: process.getuid(), workers }))
})`

function as(user: string, command: string, cwd = '/', env: NodeJS.ProcessEnv = {}) {
  // From / by default: a private /tmp is empty there. The pool and Mocha run from the project, as
  // users run them: a project under /tmp is then shown again inside the workers' fresh /tmp.
  const result = spawnSync('su', [user, '-s', '/bin/sh', '-c', command], { encoding: 'utf8', cwd, env: { ...process.env, NO_COLOR: '1', ...env } })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

const quoted = (script: string) => `"${script.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('$', '\\$').replaceAll('`', '\\`')}"`

function whyNot(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root, so no test user can be created (run as a normal user, the rest of the suite already is that user)'
  if (spawnSync('which', ['useradd']).status !== 0) return 'useradd is not installed'
  return undefined
}

let skip = whyNot()
let created = false
let uid = -1
let gid = -1
let scratch = ''
let hostServer: Server
let hostPort = 0
let mountsBefore = ''
const hostMarker = `/tmp/isolane-rootless-host-marker-${process.pid}`
// A checkout under /tmp (a CI runner's) stays visible in a private /tmp: its top folder, bound again.
const keptInTmp = root.startsWith('/tmp/') ? [root.split('/')[2]!] : []

beforeAll(async () => {
  if (skip) return
  if (spawnSync('id', [USER]).status !== 0) {
    const add = spawnSync('useradd', ['--no-create-home', '--shell', '/bin/sh', USER], { encoding: 'utf8' })
    if (add.status !== 0) skip = `useradd failed: ${add.stderr.trim()}`
    else created = true
  }
  if (!skip && as(USER, `test -r ${bin} && test -r ${core} && cd ${root} && ${node} -e 0`).status !== 0)
    skip = `the user ${USER} cannot read the repository at ${root} or run ${node} (check the permissions of its parent folders)`
  if (skip) return console.warn(`skipped: ${skip}`)
  uid = Number(spawnSync('id', ['-u', USER], { encoding: 'utf8' }).stdout)
  gid = Number(spawnSync('id', ['-g', USER], { encoding: 'utf8' }).stdout)
  // A folder of the user's, outside /tmp, where its tests may write.
  scratch = mkdtempSync('/var/tmp/isolane-rootless-')
  spawnSync('chown', [`${USER}:${USER}`, scratch])
  hostServer = createServer((socket) => socket.end('hello from the host'))
  await new Promise<void>((resolve) => hostServer.listen(0, '127.0.0.1', resolve))
  hostPort = (hostServer.address() as AddressInfo).port
  mountsBefore = readFileSync('/proc/self/mountinfo', 'utf8')
  writeFileSync(hostMarker, 'made on the host')
})

afterAll(async () => {
  if (scratch) rmSync(scratch, { recursive: true, force: true })
  rmSync(hostMarker, { force: true })
  if (hostServer) await new Promise((resolve) => hostServer.close(resolve))
  if (created) spawnSync('userdel', [USER])
})

const usable = () => checkUserNamespaceWay(DEFAULT_KINDS)

describe('as a normal user, with no wrapper command', () => {
  it('doctor says which way applies here: a user namespace for each worker', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    if (!usable().usable) return skipTest(`user namespaces are not usable here: ${usable().reason}`)
    const result = as(USER, `${node} ${bin} doctor`)
    expect(result.stdout).toMatch(/no CAP_SYS_ADMIN/)
    expect(result.stdout).toMatch(/net\s+no \(EPERM\)\s+yes\s+default/)
    expect(result.stdout).toMatch(/Ready: every worker gets fresh net, mnt, ipc, uts namespaces inside a user namespace of its own \(unshare --user --map-current-user --keep-caps --net --mount --ipc --uts\), with the user's own uid/)
    expect(result.status).toBe(0)
  })

  it('isolane run: fresh namespaces, the hostname, an empty /tmp, the own uid, no capability; exits with the status', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    if (!usable().usable) return skipTest(`user namespaces are not usable here: ${usable().reason}`)
    const dry = as(USER, `${node} ${bin} run --dry-run --hostname rootless -- true`)
    expect(dry.stdout.split('\n')[0]).toBe('way: user namespace (unshare --user --map-current-user --keep-caps --net --mount --ipc --uts, then these steps in the child, then all capabilities dropped)')
    const result = as(USER, `${node} ${bin} run --hostname rootless -- sh -c 'hostname; id -u; ls -A /tmp | wc -l; grep CapEff /proc/self/status; readlink /proc/self/ns/net; exit 3'`)
    expect(result.stderr).toBe('')
    const [name, id, tmpEntries, caps, net] = result.stdout.trim().split('\n')
    expect([name, Number(id), Number(tmpEntries), caps]).toEqual(['rootless', uid, keptInTmp.length, 'CapEff:\t0000000000000000'])
    expect(net).not.toBe(readlinkSync('/proc/self/ns/net'))
    expect(result.status).toBe(3)
  })

  it('the core API still refuses a window in this process itself, with the errno: only a child can have a user namespace', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const script = `import('${core}').then((c) => { try { c.withIsolation({}, () => 0) } catch (e) { console.log(JSON.stringify({ code: e.code, syscall: e.syscall, errno: e.errno, changed: c.namespaceIds('thread-self').net !== c.namespaceIds('self').net })) } })`
    const result = as(USER, `${node} -e ${quoted(script)}`)
    expect(JSON.parse(result.stdout)).toEqual({ code: 'EPERM', syscall: 'unshare', errno: -1, changed: false })
  })

  it('createPool(): two workers, each in namespaces of its own, with the own uid and the hostname template', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    if (!usable().usable) return skipTest(`user namespaces are not usable here: ${usable().reason}`)
    const result = as(USER, `${node} -e ${quoted(poolScript)} '{"isolation":{"hostname":"w-{workerId}"}}'`, root)
    expect(result.stderr).toBe('')
    const answer = JSON.parse(result.stdout) as { own: Record<string, string>; uid: number; workers: Array<{ namespaces: Record<string, string>; hostname: string; envKeys: string[] }> }
    expect(answer.uid).toBe(uid)
    expect(answer.workers.map((w) => w.hostname).sort()).toEqual(['w-1', 'w-2'])
    for (const kind of ['net', 'mnt', 'ipc', 'uts']) {
      for (const w of answer.workers) expect(w.namespaces[kind], kind).not.toBe(answer.own[kind])
      expect(answer.workers[0]!.namespaces[kind]).not.toBe(answer.workers[1]!.namespaces[kind])
    }
    // The plan travelled in the environment and was taken out before the worker's own code.
    for (const w of answer.workers) expect(w.envKeys).not.toContain('ISOLANE_CHILD_SETUP')
  })

  it("createPool() with way: 'privileged' refuses before any worker, with the errno and the fix", ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const result = as(USER, `${node} -e ${quoted(poolScript)} '{"isolation":{"way":"privileged"}}'`, root)
    const answer = JSON.parse(result.stdout) as { code: string; message: string; children: string }
    expect(answer.code).toBe('EPERM')
    expect(answer.message).toMatch(/^isolane cannot give its workers fresh net, mnt, ipc, uts namespaces here, so it started none\. unshare\(CLONE_NEWNET\) failed: EPERM \(operation not permitted\): the process lacks CAP_SYS_ADMIN.*`way: 'auto'` would start each worker in a user namespace of its own/)
    expect(answer.children).toBe('')
  })

  it('isolane-mocha: the port-3000 specs all pass, and a spec sees its own uid, no capability, a private /tmp and no host service', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    if (!usable().usable) return skipTest(`user namespaces are not usable here: ${usable().reason}`)
    const ports = as(USER, `${node} ${mochaBin} fixtures/mocha/binds-port-3000`, root)
    expect(ports.stdout).toMatch(/4 passing/)
    expect(ports.status).toBe(0)
    const identity = as(USER, `${node} ${mochaBin} --isolane-hostname=m-{workerId} fixtures/mocha/reports-identity`, root, { ISOLANE_FIXTURE_OUT: scratch, HOST_SERVER_PORT: String(hostPort) })
    expect(identity.stdout).toMatch(/1 passing/)
    const report = JSON.parse(/\[identity\] (.*)/.exec(identity.stdout)![1]!) as Record<string, unknown>
    expect(report).toMatchObject({ uid, gid, capEff: '0000000000000000', hostname: 'm-1', tmp: keptInTmp, lockedRead: 'EACCES', hostService: 'ECONNREFUSED' })
    expect(report.net).not.toBe(readlinkSync('/proc/self/ns/net'))
    expect(report.user).not.toBe(readlinkSync('/proc/self/ns/user'))
    // What a test writes in the user's folders belongs to the user.
    expect(statSync(report.written as string)).toMatchObject({ uid, gid })
  })

  it('Vitest with the isolane pool: the port-3000 files all pass; a worker has the own uid, no capability, its namespaces, while Vitest stays on the host', async ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    if (!usable().usable) return skipTest(`user namespaces are not usable here: ${usable().reason}`)
    const asUser = [SETPRIV, `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups']
    // The user cannot write into the workspace: no results cache, and the config loaded without a temporary file.
    const ports = await runVitest('binds-port-3000', { prefix: asUser, args: ['--configLoader=runner'] })
    expect(ports.files.map((file) => file.status), ports.output).toEqual(['passed', 'passed', 'passed', 'passed'])
    expect(ports.code).toBe(0)
    const identity = await runVitest('reports-identity', { prefix: asUser, args: ['--configLoader=runner'], env: { HOST_SERVER_PORT: String(hostPort) } })
    expect(identity.code, identity.output).toBe(0)
    const report = JSON.parse(/\[identity\] (.*)/.exec(identity.output)![1]!) as Record<string, unknown>
    expect(report).toMatchObject({ uid, capEff: '0000000000000000', hostname: 'rl-1', hostService: 'ECONNREFUSED' })
    // Vitest's own process (the worker's parent), when it forked the worker, was in the host's network namespace; the worker is not.
    expect(report.vitestNet).toBe(namespaceId('self', 'net'))
    expect(report.net).not.toBe(`net:[${report.vitestNet}]`)
    // /tmp shows nothing of the host's (not its marker) but Vitest's module cache, one folder (and the checkout, if there).
    expect(report.tmp).not.toContain(basename(hostMarker))
    expect((report.tmp as string[]).length).toBeLessThanOrEqual(1 + keptInTmp.length)
  })
})

describe('as a normal user, where the way is refused', () => {
  it('each adapter refuses once, before any worker, naming the missing launcher and the fix', async ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const noLauncher = { PATH: '/nonexistent' }
    // PATH without util-linux: every command by its absolute path.
    const launcher = /util-linux `unshare` is not on PATH; it starts each worker in a user namespace of its own\. To fix: install util-linux 2\.38 or later/
    const run = as(USER, `PATH=/nonexistent ${node} ${bin} run -- sh -c 'echo ran'`)
    expect(run.status).toBe(125)
    expect(run.stdout).not.toContain('ran')
    expect(run.stderr).toMatch(launcher)
    const mocha = as(USER, `PATH=/nonexistent ${node} ${mochaBin} fixtures/mocha/binds-port-3000`, root)
    expect(mocha.status).toBe(1)
    expect(mocha.stdout).not.toMatch(/passing|failing/)
    expect(mocha.stderr.match(/not on PATH/g)).toHaveLength(1)
    expect(mocha.stderr).toMatch(/isolane-mocha: isolane cannot give its workers fresh net, mnt, ipc, uts namespaces here, so it started none\./)
    expect(mocha.stderr).toMatch(launcher)
    const vitest = await runVitest('binds-port-3000', { prefix: [SETPRIV, `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups'], args: ['--configLoader=runner'], env: noLauncher })
    expect(vitest.code).toBe(1)
    expect(vitest.files).toEqual([])
    expect(vitest.output).toMatch(/isolane pool: the test workers cannot get fresh net, mnt, ipc, uts namespaces on this machine, so no test ran\./)
    expect(vitest.output).toMatch(launcher)
  })

  it('where user namespaces are switched off (user.max_user_namespaces = 0), says so with the sysctl that fixes it', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    if (!usable().usable) return skipTest(`user namespaces are not usable here at all: ${usable().reason}`)
    // The limit is per user namespace: set to 0 in one of the user's own, which is gone afterwards.
    const result = as(USER, `unshare --user --map-root-user sh -c 'echo 0 > /proc/sys/user/max_user_namespaces && exec ${node} ${bin} run -- echo ran'`)
    expect(result.stdout).not.toContain('ran')
    expect(result.stderr).toMatch(/user namespaces are switched off \(user\.max_user_namespaces is 0; `unshare` said: unshare: unshare failed: No space left on device\)\. To fix: allow them: `sudo sysctl -w user\.max_user_namespaces=15000`/)
    expect(result.stderr).toContain('ISOLANE_USERNS_DISABLED')
    expect(result.status).toBe(125)
  })

  it("in a user namespace that does not own the others: way 'privileged' is refused up front, auto still works", ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    if (!usable().usable) return skipTest(`user namespaces are not usable here: ${usable().reason}`)
    const refused = as(USER, `unshare --user --map-root-user ${node} ${bin} run --way privileged --hostname x -- sh -c 'echo ran'`)
    expect(refused.status).toBe(125)
    expect(refused.stdout).not.toContain('ran')
    expect(refused.stderr).toMatch(/does not own its net, mnt, ipc, uts namespaces: isolane could leave them but never return/)
    const auto = as(USER, `unshare --user --map-root-user ${node} ${bin} run --hostname nested -- hostname`)
    expect(auto.stdout.trim()).toBe('nested')
    expect(auto.status).toBe(0)
  })

  it('inside a user namespace that owns the others, the privileged way works as before', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    if (!usable().usable) return skipTest(`user namespaces are not usable here: ${usable().reason}`)
    const result = as(USER, `unshare --user --map-root-user --net --mount --ipc --uts ${node} ${bin} run --hostname rootless -- sh -c 'hostname; ls -A /tmp | wc -l'`)
    expect(result.stderr).toBe('')
    expect(result.stdout.trim().split('\n')).toEqual(['rootless', '0']) // privileged, and no Node of isolane's in front of sh: nothing kept
    expect(result.status).toBe(0)
  })
})

describe('after every run as that user', () => {
  it('nothing is left behind: no process of the user, no mount, no file of the user in /tmp', ({ skip: skipTest }) => {
    if (skip) return skipTest(skip)
    const processes = spawnSync('pgrep', ['-u', USER, '-a'], { encoding: 'utf8' }).stdout.trim()
    expect(processes).toBe('')
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toBe(mountsBefore)
    const leftInTmp = readdirSync('/tmp').filter((name) => statSync(join('/tmp', name), { throwIfNoEntry: false })?.uid === uid)
    expect(leftInTmp).toEqual([])
    chmodSync(scratch, 0o755)
  })
})
