// What isolane promises, row by row (README, "What isolane isolates"), each tried from inside a real
// worker of each runner (isolane run, a Vitest pool worker, an isolane-mocha worker, an @isolane/jest
// worker), both ways: as root (privileged) and as a normal user (user namespace). The host prepares
// its side of every row first (a server, an abstract and a path-based unix socket, markers in /tmp
// and /dev/shm, a System V message queue, a process, an rlimit, an environment variable, another
// isolated worker with servers of its own); fixtures/escape/probe.cjs, in the worker, tries each and
// writes what it saw into the project directory; each row below asserts the README's answer. Not
// promised, and asserted as such: root code leaves its namespaces at will (nsenter, /proc/PID/root),
// the project directory and path-based unix sockets are shared.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { hostname, networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkIsolation, checkUserNamespaceWay, DEFAULT_KINDS } from '@isolane/core'
import { runVitest } from '../fixtures/vitest/run-vitest.js'

const root = join(import.meta.dirname, '..')
const fixtures = join(root, 'fixtures/escape')
const cli = join(root, 'packages/cli/bin/isolane.js')
const isolaneMocha = join(root, 'packages/mocha/bin/isolane-mocha.js')
const jest = join(root, 'node_modules/jest/bin/jest.js')
const WITH_PID = [...DEFAULT_KINDS, 'pid'] as const
const NOBODY = 65534
const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0

type Way = 'privileged' | 'user-namespace'
const RUNNERS = ['isolane run', 'vitest', 'mocha', 'jest'] as const
type Runner = (typeof RUNNERS)[number]
type Seen = Record<string, string>

// As root, the user-namespace way runs everything as nobody (setpriv); as a normal user, as that user.
const isRoot = process.getuid?.() === 0
function whyNot(way: Way): string | undefined {
  for (const command of ['prlimit', 'ipcmk', 'nsenter', 'mount', ...(isRoot && way === 'user-namespace' ? ['setpriv'] : [])])
    if (!has(command)) return `util-linux \`${command}\` is not installed`
  if (way === 'privileged') {
    if (!isRoot) return 'the privileged way needs root, and this is not root (the user-namespace way below is this user\'s)'
    const verdict = checkIsolation([...WITH_PID])
    return verdict.ok ? undefined : `root cannot make namespaces here (${verdict.code}): ${verdict.reason}`
  }
  const answer = checkUserNamespaceWay([...WITH_PID])
  if (!answer.usable) return `user namespaces are not usable here (${answer.code}): ${answer.reason}`
  if (isRoot && spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'test', '-r', join(fixtures, 'probe.cjs')]).status !== 0)
    return `nobody (uid ${NOBODY}) cannot read ${fixtures} (check the permissions of its parent folders)`
  return undefined
}

// The host's side of every row, made once before the runs, shared by both ways (readable and
// writable by nobody too).
const sharedDir = join(fixtures, `.shared-${process.pid}`)
const mark = `escape-matrix-${process.pid}`
const servers: Server[] = []
let plan: Record<string, unknown> = {}
let hostHostname = ''
let sysvId = ''
let nofile = 0

/** A server of the host's on `options` (a TCP port and address, or a unix socket path); its port. */
function serve(options: { port: number; host: string } | { path: string }): Promise<number> {
  // The probe hangs up at once: what it does to the connection afterwards is no error of the host's.
  const server = createServer((socket) => socket.on('error', () => undefined).end('the host'))
  servers.push(server)
  return new Promise((resolve) => server.listen(options, () => resolve('port' in options ? (server.address() as AddressInfo).port : 0)))
}

beforeAll(async () => {
  if (whyNot('privileged') && whyNot('user-namespace')) return
  mkdirSync(sharedDir)
  chmodSync(sharedDir, 0o777)
  mkdirSync(join(sharedDir, 'mountpoint'))
  const outside = Object.values(networkInterfaces()).flat().find((address) => address && !address.internal && address.family === 'IPv4')
  const unixPath = join(sharedDir, 'host.sock')
  const port = await serve({ port: 0, host: '127.0.0.1' })
  const outsidePort = await serve({ port: 0, host: '0.0.0.0' })
  await serve({ path: `\0${mark}` })
  await serve({ path: unixPath })
  chmodSync(unixPath, 0o777)
  const tmpMarker = `/tmp/${mark}`
  const shmMarker = `/dev/shm/${mark}`
  const projectMarker = join(sharedDir, 'from-the-host')
  for (const marker of [tmpMarker, shmMarker, projectMarker]) writeFileSync(marker, mark, { mode: 0o644 })
  const made = spawnSync('ipcmk', ['-Q'], { encoding: 'utf8' })
  sysvId = /id: (\d+)/.exec(made.stdout)?.[1] ?? ''
  if (!sysvId) throw new Error(`ipcmk -Q made no System V message queue for the host (status ${made.status}): ${made.stdout}${made.stderr}`)
  const queue = readFileSync('/proc/sysvipc/msg', 'utf8').split('\n').map((line) => line.trim().split(/\s+/)).find((fields) => fields[1] === sysvId)!
  // Lowered on the runner itself (prlimit), to a value of its own: the workers should inherit it.
  const hard = Number(/^Max open files\s+\d+\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))![1])
  nofile = Math.min(hard, 4096) - 7
  hostHostname = hostname()
  plan = {
    port,
    outsidePort,
    // No outside interface: an address of TEST-NET-1, which no worker may reach either.
    outsideAddress: outside?.address ?? '192.0.2.1',
    abstract: mark,
    unixPath,
    tmpMarker,
    shmMarker,
    projectMarker,
    sharedDir,
    envMark: mark,
    sysvKey: queue[0],
    // The host's mqueue file system, where it has one (none here means no row to try).
    mqueue: existsSync('/dev/mqueue') ? mark : undefined,
    mountSource: mark,
    mountDir: join(sharedDir, 'mountpoint'),
    hostname: `escape-probe-${process.pid}`,
  }
  if (plan.mqueue) writeFileSync(join('/dev/mqueue', mark), '', { mode: 0o644 })
})

afterAll(async () => {
  // Had a row failed, the probe's attempt would be on the host: undo it, so that nothing is left behind.
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n'))
    if (line.includes(` - tmpfs ${mark} `)) spawnSync('umount', ['--lazy', line.split(' ')[4]!])
  if (hostHostname && hostname() !== hostHostname && isRoot) writeFileSync('/proc/sys/kernel/hostname', hostHostname)
  for (const server of servers) await new Promise((resolve) => server.close(resolve))
  if (sysvId) spawnSync('ipcrm', ['-q', sysvId])
  for (const path of [`/tmp/${mark}`, `/tmp/${mark}.from-worker`, `/dev/shm/${mark}`, `/dev/shm/${mark}.from-worker`, `/dev/mqueue/${mark}`, sharedDir]) rmSync(path, { recursive: true, force: true })
})

/** How a runner is started as the way's user: nofile lowered first, then (as root, for the user-namespace way) nobody. */
function prefix(way: Way): string[] {
  const asNobody = isRoot && way === 'user-namespace' ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'] : []
  return ['prlimit', `--nofile=${nofile}:${nofile}`, ...asNobody]
}

function envFor(label: string, pid: boolean): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !/^(VITEST|TEST$|NODE_ENV$|FORCE_COLOR$|ISOLANE_)/.test(key)) env[key] = value
  return { ...env, NO_COLOR: '1', ESCAPE_PLAN: JSON.stringify(plan), ESCAPE_ENV_MARK: mark, ESCAPE_LABEL: label, ESCAPE_PID: pid ? '1' : '0' }
}

function start(way: Way, args: string[], env: Record<string, string>): ChildProcess {
  const [command, ...rest] = prefix(way)
  return spawn(command!, [...rest, process.execPath, ...args], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] })
}

function finish(child: ChildProcess): Promise<{ code: number | null; output: string }> {
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })))
}

/** Runs the probe in a worker of `runner`, the way's way, and returns what it saw. */
async function probeIn(runner: Runner, way: Way, pid: boolean): Promise<Seen> {
  const label = `${way}-${runner.replace(' ', '-')}${pid ? '-pid' : ''}`
  const env = envFor(label, pid)
  let outcome: { code: number | null; output: string }
  if (runner === 'vitest') {
    // As nobody Vitest cannot write into the workspace: the config is loaded without a temporary file.
    outcome = await runVitest('../escape/vitest', { prefix: prefix(way), env, args: ['--configLoader=runner'] })
  } else if (runner === 'mocha') {
    const kinds = pid ? ['--isolane-namespaces', WITH_PID.join(',')] : []
    const child = start(way, [isolaneMocha, ...kinds, 'fixtures/escape/mocha'], env)
    child.stdin!.end()
    outcome = await finish(child)
  } else if (runner === 'jest') {
    // A cache directory of its own under /tmp, as Jest's default is (the workers are shown it again),
    // that nobody can write too; Jest's default one may be root's.
    const cacheDirectory = mkdtempSync(join(tmpdir(), 'isolane-escape-jest-'))
    chmodSync(cacheDirectory, 0o777)
    try {
      const child = start(way, [jest, '--ci', `--cacheDirectory=${cacheDirectory}`, '--config', join(fixtures, 'jest/jest.config.cjs')], env)
      child.stdin!.end()
      outcome = await finish(child)
    } finally {
      rmSync(cacheDirectory, { recursive: true, force: true })
    }
  } else {
    // With kind options `isolane run` makes exactly those, as unshare(1): the private /tmp and /dev/shm are asked for too.
    const kinds = pid ? ['--net', '--mount', '--ipc', '--uts', '--pid', '--tmpfs', '/tmp', '--tmpfs', '/dev/shm'] : []
    const child = start(way, [cli, 'run', ...kinds, '--', process.execPath, join(fixtures, 'probe.cjs'), label], env)
    child.stdin!.end()
    outcome = await finish(child)
  }
  const written = join(sharedDir, `${label}.json`)
  expect(existsSync(written), `the probe wrote no answers (exit code ${outcome.code}):\n${outcome.output}`).toBe(true)
  expect(outcome.code, outcome.output).toBe(0)
  return JSON.parse(readFileSync(written, 'utf8')) as Seen
}

/** What the README promises, row by row, as the probe words it. */
function promised(way: Way, pid: boolean, runner: Runner): Seen {
  const root = way === 'privileged'
  return {
    ports: 'bound',
    hostLoopback: 'ECONNREFUSED',
    otherWorkers: 'ECONNREFUSED, ECONNREFUSED',
    outsideNetwork: 'ENETUNREACH',
    abstractSockets: 'ECONNREFUSED',
    tmp: 'absent',
    devShm: 'absent',
    // Root's worker may mount (in its own mount namespace: the host's table is checked below); a user's keeps no capability.
    mounts: root ? 'mounted' : 'refused',
    hostname: root ? 'set' : 'EACCES',
    sysvIpc: 'absent',
    // `isolane run` with kind options mounts no fresh mqueue (`mqueue: false`, and no option asks for
    // one): /dev/mqueue stays the host's mount, as with unshare(1).
    posixMqueue: pid && runner === 'isolane run' ? 'present' : 'absent',
    processes: pid ? 'hidden, kill -0 ESRCH' : 'visible, kill -0 ok',
    pidOne: pid ? 'this worker' : 'another process',
    rlimits: `${nofile}/${nofile}`,
    env: 'inherited',
    projectDirectory: 'read',
    pathSockets: 'connected',
    // Not promised: root's worker reaches the host's /tmp through its runner's /proc/PID/root and
    // joins the host's network with nsenter. A user's worker, in a user namespace of its own, is
    // refused both, even for the user's own runner (measured: EACCES); with the pid kind the runner
    // is out of view (parent pid 0).
    procRoot: pid ? 'no parent in view' : root ? 'read' : 'EACCES',
    nsenter: pid ? 'no parent in view' : root ? 'connected' : 'refused',
  }
}

// Each row's test, and the probe's answers it checks.
const ROWS: Array<[rows: string[], title: string]> = [
  [['ports'], 'ports: binds the port a host server holds on 127.0.0.1'],
  [['hostLoopback'], "host loopback: cannot connect to the host's 127.0.0.1 server"],
  [['otherWorkers'], "other workers' servers: cannot reach another isolated worker's TCP server nor its abstract socket"],
  [['outsideNetwork'], 'outside network: an address outside the worker is unreachable at once'],
  [['abstractSockets'], "abstract unix sockets: cannot connect to the host's"],
  [['tmp'], "/tmp: does not see the host's file, and its own does not reach the host"],
  [['devShm'], "/dev/shm: does not see the host's file, and its own does not reach the host"],
  [['mounts'], "mounts: a mount made in the worker is not in the host's mount table"],
  [['hostname'], "hostname: setting it does not change the host's"],
  [['sysvIpc'], "System V IPC: does not see the host's message queue"],
  [['posixMqueue'], "POSIX message queues: does not see the host's queue in /dev/mqueue"],
  [['processes', 'pidOne'], "processes: the host's process is visible and signalable without the pid kind, hidden with it"],
  [['rlimits'], "rlimits: the runner's, inherited"],
  [['env'], "env: the runner's, inherited"],
  [['projectDirectory'], "not promised, the project directory: shared (reads the host's file; writes its answers there)"],
  [['pathSockets'], "not promised, path-based unix sockets: the host's is reachable"],
  [['procRoot'], "not promised, /proc/PID/root: root's worker reads the host's /tmp through its runner's process (a user's is refused; with the pid kind, out of view)"],
  [['nsenter'], "not promised, root code entering other namespaces: nsenter -t RUNNER -n reaches the host's loopback server as root (a user's worker is refused)"],
]

for (const way of ['privileged', 'user-namespace'] as const) {
  const skip = whyNot(way)
  if (skip) console.warn(`escape matrix, the ${way} way: skipped: ${skip}`)
  describe.skipIf(skip !== undefined)(`the ${way} way`, () => {
    // The way's own user holds the host process and the other worker.
    let sleeper: ChildProcess
    let other: ChildProcess
    const answers = new Map<string, Seen>()
    const user = isRoot && way === 'user-namespace' ? { uid: NOBODY, gid: NOBODY } : {}

    beforeAll(async () => {
      sleeper = spawn('sleep', ['1234.5'], { ...user, stdio: 'ignore' })
      plan = { ...plan, sleepPid: sleeper.pid, sleepCmdline: 'sleep\u00001234.5\u0000' }
      Object.assign(plan, { otherPort: 40_000 + (process.pid % 20_000), otherAbstract: `${mark}-other` })
      other = start(way, [cli, 'run', '--', process.execPath, join(fixtures, 'holds-a-server.cjs'), String(plan.otherPort), String(plan.otherAbstract)], envFor('other', false))
      const ended = finish(other)
      await new Promise<void>((resolve, reject) => {
        other.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve())
        void ended.then(({ code, output }) => reject(new Error(`the other worker ended before it was ready (${code}):\n${output}`)))
      })
      // One run a runner, then one with the pid kind, one after the other (each starts workers of its own).
      for (const runner of RUNNERS)
        for (const pid of [false, true]) answers.set(`${runner}${pid}`, await probeIn(runner, way, pid))
    }, 300_000)

    afterAll(async () => {
      sleeper?.kill()
      if (other && other.exitCode === null && other.signalCode === null) {
        const ended = new Promise((resolve) => other.on('close', resolve))
        other.stdin!.end()
        await ended
      }
    })

    for (const runner of RUNNERS) {
      describe(`from a worker of ${runner}`, () => {
        for (const [rows, title] of ROWS) {
          it(title, ({ skip: skipTest }) => {
            if (rows.includes('posixMqueue') && !plan.mqueue) return skipTest('the host has no mqueue file system on /dev/mqueue to leave a queue in')
            for (const pid of [false, true])
              for (const row of rows) expect(answers.get(`${runner}${pid}`)?.[row], `${row}${pid ? ', with the pid kind' : ''}`).toBe(promised(way, pid, runner)[row])
          })
        }
      })
    }

    it("the host's side after every run: its hostname, mount table, /tmp and /dev/shm are as they were", () => {
      expect(hostname()).toBe(hostHostname)
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(String(plan.mountSource))
      expect(existsSync(`/tmp/${mark}.from-worker`)).toBe(false)
      expect(existsSync(`/dev/shm/${mark}.from-worker`)).toBe(false)
    })
  })
}
