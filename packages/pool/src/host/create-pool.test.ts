import { execFileSync, fork, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Tinypool from 'tinypool'
import { checkUserNamespaceWay, isIsolaneError } from '@isolane/core/internal'
import { createPool, type IsolatedPool } from '../index.js'
import { childPids, fixture, isAlive, mountTable, privileged, processesInNamespaces, processesWithArgument, signal, threadCwd, threadNamespaces, unlessIsolationIsPossible } from '../test-support/processes.js'

interface NamespaceReport {
  pid: number
  namespaces: Record<string, string>
  hostname: string
  workerId: string | undefined
  tinypoolWorkerId: string | undefined
  env: Record<string, string | undefined>
  envKeys: string[]
}

const noDefaultIsolation = unlessIsolationIsPossible(['net', 'mnt', 'ipc', 'uts'], '@isolane/pool with the default namespaces')
const noPidNamespace = unlessIsolationIsPossible(['pid', 'mnt'], '@isolane/pool with a PID namespace')
// Function plugins run in this process's own window: the privileged way only (root).
const inParentWindow = it.skipIf(!privileged)
if (!privileged) console.warn('skipped the function-plugin tests: they run in this process\'s own isolation window, which needs root (module plugins are tested either way)')
// A mount namespace made with unshare(1) for the test itself: root only.
const asRoot = it.skipIf(!privileged)
if (!privileged) console.warn('skipped the test of a pool with no notice file: it makes /dev/shm read-only in a mount namespace of its own, which needs root')

const pools: IsolatedPool[] = []
let scratch = ''
let childrenBefore: number[] = []
let mountsBefore = ''

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'isolane-pool-test-'))
  childrenBefore = childPids()
  mountsBefore = mountTable()
})

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.destroy()))
  if (scratch) rmSync(scratch, { recursive: true, force: true })
  expect(childPids()).toEqual(childrenBefore)
  expect(mountTable()).toBe(mountsBefore)
})

function track(pool: IsolatedPool): IsolatedPool {
  pools.push(pool)
  return pool
}

describe.skipIf(noDefaultIsolation)('createPool', () => {
  it('runs eight tasks at once that all bind 127.0.0.1:3000, each in its own network namespace', async () => {
    const pool = track(createPool({ filename: fixture('binds-port-3000.js'), maxThreads: 8, minThreads: 0 }))
    const results = await Promise.all(Array.from({ length: 8 }, () => pool.run<{ body: string; pid: number; net: string }>({})))
    for (const result of results) expect(result.body).toBe(`hello from ${result.pid}`)
    const ids = new Set(results.map((r) => r.net))
    expect(ids.size).toBe(8)
    expect(ids.has(threadNamespaces().net!)).toBe(false)
    await pool.destroy()
    for (const result of results) expect(isAlive(result.pid)).toBe(false)
    // Only our own children count: once a namespace is freed, the kernel may give its inode number
    // to a namespace that another process on the machine makes.
    expect(processesInNamespaces([...ids]).filter((p) => p.ppid === process.pid)).toEqual([])
  })

  inParentWindow('isolates the replacement workers that tinypool forks asynchronously', async () => {
    const windows: Array<number | undefined> = []
    const pool = track(createPool({
      filename: fixture('reports-namespaces.js'),
      minThreads: 1,
      maxThreads: 1,
      isolation: { hostname: 'r-{workerId}', plugins: [{ name: 'count-windows', setup: (context) => void windows.push(context.workerId) }] },
    }))
    const reports: NamespaceReport[] = []
    for (let i = 0; i < 4; i++) reports.push(await pool.run<NamespaceReport>({}))
    // Only the constructor's fork is synchronous: the others came from tinypool's recycle chain.
    expect(pool.stats.workersStartedInBackground).toBeGreaterThanOrEqual(3)
    // Every fork, synchronous or not, went through its own window...
    expect(windows).toEqual(Array.from({ length: pool.stats.workersStarted }, (_, i) => i + 1))
    expect(reports.map((r) => r.hostname)).toEqual(['r-1', 'r-2', 'r-3', 'r-4'])
    // ...and no worker is in a namespace of the host. (Ids of workers that ran one after the other
    // may repeat: the kernel reuses a freed namespace's inode number.)
    const host = threadNamespaces()
    for (const report of reports) for (const kind of ['net', 'mnt', 'ipc', 'uts']) expect(report.namespaces[kind], kind).not.toBe(host[kind])
    await pool.destroy()
  })

  it('leaves every other child of the parent in the host namespaces, even while the pool forks', async () => {
    const pool = track(createPool({ filename: fixture('sleeps.js'), minThreads: 1, maxThreads: 2 }))
    const plain = new Tinypool({ filename: fixture('reports-namespaces.js'), runtime: 'child_process', minThreads: 0, maxThreads: 1, isolateWorkers: true, env: { PATH: process.env.PATH ?? '' } })
    try {
      const running = Promise.all([pool.run({ ms: 200 }), pool.run({ ms: 200 }), pool.run({ ms: 200 })])
      const host = threadNamespaces()
      // The example: git, spawned by the same parent while the pool runs (it waits on stdin).
      const git = spawn('git', ['hash-object', '--stdin'], { stdio: 'pipe' })
      await new Promise((resolve) => git.once('spawn', resolve))
      const gitNamespaces = Object.fromEntries(['net', 'mnt', 'uts', 'ipc'].map((kind) => [kind, readlinkSync(`/proc/${git.pid}/ns/${kind}`)]))
      git.stdin!.end('isolane\n')
      expect((await outputOf(git)).trim()).toMatch(/^[0-9a-f]{40}$/)
      expect(gitNamespaces).toEqual({ net: host.net, mnt: host.mnt, uts: host.uts, ipc: host.ipc })
      const spawned = await outputOf(spawn('sh', ['-c', 'readlink /proc/self/ns/net /proc/self/ns/mnt /proc/self/ns/uts /proc/self/ns/ipc']))
      expect(spawned.trim().split('\n')).toEqual([host.net, host.mnt, host.uts, host.ipc])
      const forked = fork(fixture('prints-namespaces.cjs'), { stdio: 'pipe' })
      expect(JSON.parse(await outputOf(forked))).toMatchObject({ net: host.net, mnt: host.mnt, uts: host.uts, ipc: host.ipc })
      // A plain tinypool of the same process, with the same entry script: not one of ours.
      const report = (await plain.run({})) as NamespaceReport
      expect(report.namespaces).toMatchObject({ net: host.net, mnt: host.mnt, uts: host.uts, ipc: host.ipc })
      await running
    } finally {
      await plain.destroy()
      await pool.destroy()
    }
  })

  it("passes the parent's environment, a fresh worker id and the hostname template", async () => {
    process.env.ISOLANE_POOL_TEST_VARIABLE = 'from the parent'
    const pool = track(createPool({ filename: fixture('reports-namespaces.js'), minThreads: 1, maxThreads: 1, isolation: { hostname: 'w-{workerId}' } }))
    const reports: NamespaceReport[] = []
    for (let i = 0; i < 3; i++) reports.push(await pool.run<NamespaceReport>({ env: ['ISOLANE_POOL_TEST_VARIABLE', 'PATH', 'ISOLANE_POOL_TOKEN'] }))
    delete process.env.ISOLANE_POOL_TEST_VARIABLE
    expect(reports.map((r) => r.workerId)).toEqual(['1', '2', '3'])
    for (const report of reports) {
      expect(report.hostname).toBe(`w-${report.workerId}`)
      expect(report.env).toEqual({ ISOLANE_POOL_TEST_VARIABLE: 'from the parent', PATH: process.env.PATH, ISOLANE_POOL_TOKEN: undefined })
      expect(report.tinypoolWorkerId).toBe('1')
    }
    expect(hostname()).not.toMatch(/^w-\d$/)
    await pool.destroy()
  })

  it('passes only the given `env`, plus the worker ids', async () => {
    const pool = track(createPool({ filename: fixture('reports-namespaces.js'), minThreads: 0, maxThreads: 1, env: { ONLY_THIS: 'yes' } }))
    const report = await pool.run<NamespaceReport>({ env: ['ONLY_THIS'] })
    expect(report.env).toEqual({ ONLY_THIS: 'yes' })
    expect(report.envKeys).toEqual(['ISOLANE_WORKER_ID', 'ONLY_THIS', 'TINYPOOL_WORKER_ID'])
    await pool.destroy()
  })

  inParentWindow('runs plugins in order inside the window, where they prepare what the worker sees', async () => {
    const calls: string[] = []
    const file = `/tmp/isolane-plugin-order-${process.pid}`
    const step = (name: string) => ({
      name,
      setup(context: { workerId: number | undefined; kinds: readonly string[]; hostname: string | undefined }) {
        calls.push(`${name}:${context.workerId}:${context.kinds.join(',')}:${context.hostname}`)
        writeFileSync(file, `${name}\n`, { flag: 'a' })
      },
    })
    const pool = track(createPool({ filename: fixture('reads-file.js'), minThreads: 0, maxThreads: 1, isolation: { hostname: 'p-{workerId}', plugins: [step('first'), step('second')] } }))
    expect(await pool.run({ path: file })).toBe('first\nsecond\n')
    expect(calls).toEqual(['first:1:net,mnt,ipc,uts:p-1', 'second:1:net,mnt,ipc,uts:p-1'])
    // The plugins wrote into the worker's fresh /tmp, not the parent's.
    expect(existsSync(file)).toBe(false)
    await pool.destroy()
  })

  inParentWindow("lets a plugin add an /etc/hosts entry for the worker alone (a bind mount made in the window)", async () => {
    const hostsEntry = {
      name: 'hosts-entry',
      setup() {
        // /tmp is the worker's fresh tmpfs here; the mount happens in the worker's mount namespace.
        writeFileSync('/tmp/hosts', `${readFileSync('/etc/hosts', 'utf8')}\n127.0.0.1 db.isolane.test\n`)
        execFileSync('mount', ['--bind', '/tmp/hosts', '/etc/hosts'])
      },
    }
    const pool = track(createPool({ filename: fixture('resolves-hostname.js'), minThreads: 0, maxThreads: 1, isolation: { plugins: [hostsEntry] } }))
    expect(await pool.run({ name: 'db.isolane.test' })).toBe('127.0.0.1')
    expect(readFileSync('/etc/hosts', 'utf8')).not.toContain('db.isolane.test')
    await pool.destroy()
  })

  inParentWindow('fails the task with the error of a plugin that throws, leaves the parent as it was, and goes on', async () => {
    let attempts = 0
    const pool = track(createPool({
      filename: fixture('reports-namespaces.js'),
      minThreads: 0,
      maxThreads: 1,
      isolation: { plugins: [{ name: 'flaky', setup() { if (++attempts === 1) throw new Error('no route to the test database') } }] },
    }))
    const before = { namespaces: threadNamespaces(), cwd: threadCwd(), hostname: hostname() }
    const error = await pool.run({}).catch((e: unknown) => e)
    expect(isIsolaneError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'ISOLANE_WORKER_SETUP_FAILED', message: expect.stringMatching(/^The isolation setup of worker 1 failed, so the task was not run: Isolation plugin "flaky" failed: no route to the test database/) })
    expect((error as Error).cause).toMatchObject({ code: 'ISOLANE_STEP_FAILED' })
    expect({ namespaces: threadNamespaces(), cwd: threadCwd(), hostname: hostname() }).toEqual(before)
    const report = await pool.run<NamespaceReport>({})
    expect(report.namespaces.net).not.toBe(before.namespaces.net)
    expect(pool.stats).toMatchObject({ windowFailures: 1, tasksFailed: 1, tasksCompleted: 1 })
    await pool.destroy()
  })

  it('runs module plugins in order in the worker\'s fresh namespaces, before its code, either way', async () => {
    const file = '/tmp/isolane-plugin-order'
    const plugins = [{ name: 'first', module: fixture('plugins/first.cjs') }, { name: 'second', module: fixture('plugins/second.cjs') }]
    const pool = track(createPool({ filename: fixture('reads-file.js'), minThreads: 0, maxThreads: 1, isolation: { hostname: 'm-{workerId}', plugins } }))
    const uid = process.getuid!()
    expect(await pool.run({ path: file })).toBe(`first:1:net,mnt,ipc,uts:m-1:uid ${uid}\nsecond:1:net,mnt,ipc,uts:m-1:uid ${uid}\n`)
    // They wrote into the worker's fresh /tmp, not the parent's.
    expect(existsSync(file)).toBe(false)
    await pool.destroy()
  })

  it('lets a module plugin (an ES module) add an /etc/hosts entry for the worker alone, either way', async () => {
    const pool = track(createPool({ filename: fixture('resolves-hostname.js'), minThreads: 0, maxThreads: 1, isolation: { plugins: [{ name: 'hosts-entry', module: fixture('plugins/adds-hosts-entry.mjs') }] } }))
    expect(await pool.run({ name: 'db.isolane.test' })).toBe('127.0.0.1')
    expect(readFileSync('/etc/hosts', 'utf8')).not.toContain('db.isolane.test')
    await pool.destroy()
  })

  const userNamespaces = checkUserNamespaceWay(['net', 'mnt', 'ipc', 'uts']).usable
  for (const way of privileged && userNamespaces ? (['auto', 'user-namespace'] as const) : (['auto'] as const))
  it(`fails the tasks with the error of a module plugin that throws, and leaves the parent as it was (way: ${way})`, async () => {
    const pool = track(createPool({ filename: fixture('reports-namespaces.js'), minThreads: 0, maxThreads: 1, isolation: { way, plugins: [{ name: 'throws', module: fixture('plugins/throws.cjs') }] } }))
    const before = { namespaces: threadNamespaces(), cwd: threadCwd(), hostname: hostname() }
    const error = await pool.run({}).catch((e: unknown) => e)
    expect(isIsolaneError(error)).toBe(true)
    // Privileged, the window fails in this process; in a user namespace, the worker's own setup fails
    // and says why on its IPC channel before it exits: the same error, at once, either way.
    expect(error).toMatchObject({ code: 'ISOLANE_WORKER_SETUP_FAILED', message: expect.stringMatching(/^The isolation setup of worker 1 failed, so the task was not run: Isolation plugin "throws" failed: no route to the test database/) })
    expect((error as Error).cause).toMatchObject({ code: 'ISOLANE_STEP_FAILED' })
    expect(pool.stats.workersStarted).toBeLessThanOrEqual(1)
    expect({ namespaces: threadNamespaces(), cwd: threadCwd(), hostname: hostname() }).toEqual(before)
    await pool.destroy()
  })

  it.skipIf(!checkUserNamespaceWay(['net', 'mnt', 'ipc', 'uts']).usable)('refuses function plugins before any worker when the workers start in user namespaces of their own', () => {
    const error = (() => {
      try {
        createPool({ filename: fixture('reports-namespaces.js'), isolation: { way: 'user-namespace', plugins: [{ name: 'inline', setup() {} }] } })
      } catch (e) {
        return e
      }
    })()
    expect(error).toMatchObject({ code: 'ISOLANE_PLUGIN_NOT_SENDABLE', message: expect.stringContaining('give the plugin as a module, `{ name: "inline", module: "/abs/path/plugin.js" }`') })
    expect(childPids()).toEqual(childrenBefore)
  })

  it('fails a task whose worker is killed or crashes with a clear error, leaves nothing behind and goes on', async () => {
    const pool = track(createPool({ filename: fixture('exits-mid-task.js'), minThreads: 0, maxThreads: 1 }))
    const killed = await pool.run({ how: 'sigkill' }).catch((e: unknown) => e)
    expect(killed).toMatchObject({ code: 'ISOLANE_WORKER_EXITED', message: expect.stringMatching(/^Worker 1 \(pid \d+\) was killed by SIGKILL while it ran the task/) })
    expect(killed).toMatchObject({ workerId: 1, pid: expect.any(Number), exitCode: null, signal: 'SIGKILL' })
    const crashed = await pool.run({ how: 'exit', code: 7 }).catch((e: unknown) => e)
    expect(crashed).toMatchObject({ code: 'ISOLANE_WORKER_EXITED', message: expect.stringMatching(/^Worker 2 \(pid \d+\) exited with code 7 while it ran the task/) })
    expect(crashed).toMatchObject({ workerId: 2, exitCode: 7, signal: null })
    expect(pool.stats).toMatchObject({ workersExitedUnexpectedly: 2, tasksFailed: 2 })
    await pool.destroy()
  })

  it('hands what a task reports of itself to onProgress as it happens, with its worker: all its host knows once the worker dies', async () => {
    const reports: Array<{ worker: { workerId: number; pid: number | undefined }; value: unknown }> = []
    const pool = track(createPool({ filename: fixture('reports-progress-then-dies.js'), minThreads: 0, maxThreads: 1, onProgress: (report) => reports.push(report) }))
    const died = await pool.run({ steps: ['loaded', 'test "a" began'] }).catch((e: unknown) => e)
    expect(died).toMatchObject({ code: 'ISOLANE_WORKER_EXITED', signal: 'SIGKILL' })
    const pid = (died as { pid: number }).pid
    expect(reports.map((r) => r.value)).toEqual([{ step: 'loaded', pid: expect.any(Number) }, { step: 'test "a" began', pid: expect.any(Number) }])
    for (const report of reports) expect(report.worker).toMatchObject({ workerId: 1, pid })
    await pool.destroy()
  })

  it("puts on a dead worker's error what its task recorded (recordProgress()), and nothing of the tasks before it in the same worker", async () => {
    const pool = track(createPool({ filename: fixture('records-progress.js'), minThreads: 0, maxThreads: 1, isolateWorkers: false }))
    expect(await pool.run({ records: ['first task', { step: 1 }], end: 'returns' })).toEqual({ recorded: 2 })
    const killed = await pool.run({ records: ['second task', { step: 2 }, [3]], end: 'killed' }).catch((e: unknown) => e)
    expect(killed).toMatchObject({ code: 'ISOLANE_WORKER_EXITED', signal: 'SIGKILL', progress: ['second task', { step: 2 }, [3]] })
    // A new worker, and a task that recorded nothing: nothing.
    const exited = await pool.run({ records: [], end: 'exits' }).catch((e: unknown) => e)
    expect(exited).toMatchObject({ code: 'ISOLANE_WORKER_EXITED', exitCode: 3, progress: [] })
    await pool.destroy()
  })

  asRoot('goes on where no notice file can be made (no writable /dev/shm nor temporary directory): a dead worker is told, with no progress', () => {
    // A mount namespace of the test's own, where /dev/shm is a read-only tmpfs and TMPDIR does not exist.
    const script = `const { createPool } = await import(${JSON.stringify(new URL('../../dist/host/index.bundle.js', import.meta.url).href)})
      const pool = createPool({ filename: ${JSON.stringify(fixture('records-progress.js'))}, maxThreads: 1, isolateWorkers: false })
      const done = await pool.run({ records: ['a'], end: 'returns' })
      const died = await pool.run({ records: ['b'], end: 'killed' }).catch((e) => e)
      await pool.destroy()
      console.log(JSON.stringify({ done, code: died.code, progress: died.progress }))`
    const output = execFileSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o ro tmpfs /dev/shm && exec "$0" --input-type=module -e "$1"', process.execPath, script], { encoding: 'utf8', env: { ...process.env, TMPDIR: '/nonexistent' } })
    expect(JSON.parse(output)).toEqual({ done: { recorded: 1 }, code: 'ISOLANE_WORKER_EXITED', progress: [] })
  })

  it('refuses an onProgress that is not a function before any worker starts', () => {
    expect(() => createPool({ filename: fixture('reports-progress-then-dies.js'), onProgress: 'log' as never })).toThrow(/Invalid pool options: `onProgress` must be a function/)
  })

  it('fails a task whose worker is killed from outside mid-task, then runs the next one', async () => {
    const shared = mkdtempSync(join(scratch, 'shared-'))
    const startedFile = join(shared, 'started')
    const pool = track(createPool({ filename: fixture('sleeps.js'), minThreads: 0, maxThreads: 1, isolation: { binds: [{ source: shared, target: shared }] } }))
    const task = pool.run({ ms: 60_000, startedFile }).catch((e: unknown) => e)
    await until(() => existsSync(startedFile))
    const pid = Number(readFileSync(startedFile, 'utf8'))
    expect(pid).toBeGreaterThan(1)
    expect(pool.workers.map((w) => w.pid)).toEqual([pid])
    signal(pid, 'SIGKILL')
    expect(await task).toMatchObject({ code: 'ISOLANE_WORKER_EXITED', message: expect.stringContaining(`(pid ${pid}) was killed by SIGKILL`) })
    expect(isAlive(pid)).toBe(false)
    expect(await pool.run({ ms: 0 })).toMatchObject({ pid: expect.any(Number) })
    await pool.destroy()
    expect(pool.workers).toEqual([])
  })

  it('serves a queued task when its worker dies before it is ready', async () => {
    const pool = track(createPool({ filename: fixture('sleeps.js'), minThreads: 0, maxThreads: 1 }))
    const task = pool.run({ ms: 0 })
    const [worker] = pool.workers
    expect(worker?.pid).toEqual(expect.any(Number))
    signal(worker!.pid, 'SIGKILL')
    const result = await task
    expect(result).toMatchObject({ pid: expect.any(Number) })
    expect((result as { pid: number }).pid).not.toBe(worker!.pid)
    await pool.destroy()
  })

  it('fails the queued tasks with a clear error when workers cannot start at all, instead of forking for ever', async () => {
    const pool = track(createPool({ filename: fixture('sleeps.js'), minThreads: 0, maxThreads: 1, execArgv: ['--isolane-no-such-flag'] }))
    const error = await pool.run({ ms: 0 }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ISOLANE_WORKER_START_FAILED', attempts: 3, exitCode: 9, message: expect.stringContaining('exit before they are ready (3 in a row; the last exited with code 9)') })
    // Three failed starts, and at most the forks already under way when the third failed (a kick,
    // tinypool's replacement); forking for ever would be dozens by now. After destroy(), none more.
    expect(pool.stats.workersStarted).toBeLessThanOrEqual(5)
    await pool.destroy()
    const started = pool.stats.workersStarted
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(pool.stats.workersStarted).toBe(started)
  })

  it("brings back the task's error with its name, code, properties and cause", async () => {
    const pool = track(createPool({ filename: fixture('throws-error.js'), minThreads: 0, maxThreads: 1 }))
    const error = (await pool.run({ message: 'bad config' }).catch((e: unknown) => e)) as Error & Record<string, unknown>
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({ name: 'ConfigError', message: 'bad config', code: 'E_ON_PURPOSE', answer: 42, detail: { n: 1 } })
    expect(error.stack).toContain('throws-error.js')
    expect(error.cause).toMatchObject({ name: 'TypeError', message: 'the root cause' })
    await pool.destroy()
  })

  it("calls the export named by `name`, and takes CommonJS worker modules", async () => {
    const named = track(createPool({ filename: fixture('exports-named-task.js'), name: 'double', minThreads: 0, maxThreads: 1 }))
    const plain = track(createPool({ filename: fixture('exports-named-task.js'), minThreads: 0, maxThreads: 1 }))
    const cjs = track(createPool({ filename: fixture('module-exports-function.cjs'), minThreads: 0, maxThreads: 1 }))
    expect(await Promise.all([named.run(21), plain.run(21), cjs.run('x')])).toEqual([42, 'default', { cjs: true, task: 'x' }])
    const missing = track(createPool({ filename: fixture('exports-named-task.js'), name: 'triple', minThreads: 0, maxThreads: 1 }))
    await expect(missing.run(1)).rejects.toMatchObject({ name: 'TypeError', message: expect.stringContaining('has no export "triple" that is a function') })
    await Promise.all([named.destroy(), plain.destroy(), cjs.destroy(), missing.destroy()])
  })

  it('fails the task, not the pool, when the worker module cannot be loaded', async () => {
    const pool = track(createPool({ filename: fixture('fails-to-load.js'), minThreads: 0, maxThreads: 1 }))
    await expect(pool.run({})).rejects.toMatchObject({ message: 'this worker module cannot be loaded' })
    await expect(pool.run({})).rejects.toMatchObject({ message: 'this worker module cannot be loaded' })
    await pool.destroy()
  })

  it('aborts a task with its signal and goes on', async () => {
    const pool = track(createPool({ filename: fixture('sleeps.js'), minThreads: 0, maxThreads: 1 }))
    const controller = new AbortController()
    const task = pool.run({ ms: 60_000 }, { signal: controller.signal })
    controller.abort()
    await expect(task).rejects.toMatchObject({ name: 'AbortError' })
    expect(await pool.run({ ms: 0 })).toMatchObject({ pid: expect.any(Number) })
    await pool.destroy()
  })

  inParentWindow('keeps a worker across tasks with isolateWorkers: false, and replaces one whose window failed', async () => {
    let attempts = 0
    const pool = track(createPool({
      filename: fixture('reports-namespaces.js'),
      minThreads: 1,
      maxThreads: 1,
      isolateWorkers: false,
      isolation: { plugins: [{ name: 'fails-once', setup() { if (++attempts === 1) throw new Error('transient') } }] },
    }))
    await expect(pool.run({})).rejects.toMatchObject({ code: 'ISOLANE_WORKER_SETUP_FAILED', cause: { code: 'ISOLANE_STEP_FAILED' } })
    const first = await pool.run<NamespaceReport>({})
    const second = await pool.run<NamespaceReport>({})
    expect(second.pid).toBe(first.pid)
    expect(second.namespaces.net).toBe(first.namespaces.net)
    expect(first.namespaces.net).not.toBe(threadNamespaces().net)
    await pool.destroy()
  })

  it('renews a reused worker between tasks: what a task left (a server on port 3000, a file in /tmp) cannot reach the next', async () => {
    const pool = track(createPool({ filename: fixture('leaves-server-and-tmp-file.js'), minThreads: 1, maxThreads: 1, isolateWorkers: false, renewWorkers: true, isolation: { hostname: 'r-{workerId}' } }))
    const reports: Array<{ pid: number; net: string; hostname: string; tmp: string[]; earlierServer: string; localhost: string; threadNets: string[] }> = []
    for (let i = 0; i < 3; i++) reports.push(await pool.run({}))
    // One worker process, three network namespaces, the hostname again, an empty /tmp each time.
    expect(new Set(reports.map((r) => r.pid)).size).toBe(1)
    expect(new Set(reports.map((r) => r.net)).size).toBe(3)
    expect(reports.map((r) => r.hostname)).toEqual(['r-1', 'r-1', 'r-1'])
    for (const report of reports) expect(report.tmp).not.toContain('isolane-left-by-a-task')
    // The server the task before left listening is not reachable: the port is free and refused.
    expect(reports.map((r) => r.earlierServer)).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED'])
    // Measured: the threads that existed before (libuv's threadpool, V8's) stay in the worker's
    // first network namespace; what runs there (fs calls, dns.lookup's getaddrinfo) opens no socket
    // a test can use, and getaddrinfo answers localhost from /etc/hosts the same in every file.
    for (const report of reports) expect(report.threadNets).toEqual([reports[0]!.threadNets[0]])
    expect(reports[0]!.threadNets[0]).not.toBe(reports[1]!.net)
    expect(reports.map((r) => r.localhost)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1'])
    await pool.destroy()
  })

  it('renews /tmp only when a task changed it: an untouched tmpfs is kept, any change gets a fresh one', async () => {
    const pool = track(createPool({ filename: fixture('touches-tmp.js'), minThreads: 1, maxThreads: 1, isolateWorkers: false, renewWorkers: true }))
    const actions = ['nothing', 'nothing', 'write-delete', 'write', 'chmod', 'write-delete-keep-open', 'nothing', 'nothing']
    const reports: Array<{ mount: string; mode: string; found: string[] }> = []
    for (const action of actions) reports.push(await pool.run({ action }))
    // What each task found: /tmp as fresh, whatever the one before did.
    expect(reports.map((r) => [r.mode, r.found])).toEqual(actions.map(() => ['1777', []]))
    // Which tasks got another tmpfs than the one before: those after a task that left it changed.
    const replaced = reports.slice(1).map((r, i) => r.mount !== reports[i]!.mount)
    // after: nothing, write-delete (empty again, as fresh), write, chmod, deleted but open, nothing, nothing
    expect(replaced).toEqual([false, false, false, true, true, true, false])
    await pool.destroy()
  })

  it('keeps an untouched /tmp with the binds in it, and renews it (binds again) once a task left something', async () => {
    const shown = mkdtempSync(join(tmpdir(), 'isolane-shown-'))
    try {
      const pool = track(createPool({ filename: fixture('touches-tmp.js'), minThreads: 1, maxThreads: 1, isolateWorkers: false, renewWorkers: true, isolation: { binds: [{ source: shown, target: '/tmp/shown' }] } }))
      const actions = ['nothing', 'write-in-bind', 'write', 'nothing']
      const reports: Array<{ mount: string; found: string[] }> = []
      for (const action of actions) reports.push(await pool.run({ action }))
      expect(reports.map((r) => r.found)).toEqual(actions.map(() => ['shown']))
      expect(reports.slice(1).map((r, i) => r.mount !== reports[i]!.mount)).toEqual([false, false, true])
      // What a task wrote through the bind is the host directory's, kept or renewed.
      expect(readdirSync(shown)).toEqual(['written-through-the-bind'])
      await pool.destroy()
    } finally {
      rmSync(shown, { recursive: true, force: true })
    }
  })

  it('(control) a reused worker that is not renewed: the next task meets the server the last one left', async () => {
    const pool = track(createPool({ filename: fixture('leaves-server-and-tmp-file.js'), minThreads: 1, maxThreads: 1, isolateWorkers: false }))
    await pool.run({})
    await expect(pool.run({})).rejects.toMatchObject({ message: expect.stringMatching(/a previous task's file is still there|EADDRINUSE/) })
    await pool.destroy()
  })

  it('stops what a task left running, even detached, and says which task left what', async () => {
    const reports: unknown[] = []
    const pool = track(createPool({ filename: fixture('leaves-detached-sleep.js'), minThreads: 0, maxThreads: 1, onLeftovers: (report) => reports.push(report) }))
    const pid = await pool.run<number>({ seconds: 301 })
    expect(isAlive(pid)).toBe(false)
    expect(reports).toEqual([{ task: { seconds: 301 }, processes: [{ pid, command: 'sleep 301' }] }])
    await pool.destroy()
  })

  it("fails the task that left processes with leftovers: 'fail', and keeps them with 'keep'", async () => {
    const failing = track(createPool({ filename: fixture('leaves-detached-sleep.js'), minThreads: 0, maxThreads: 1, leftovers: 'fail', onLeftovers: () => {} }))
    await expect(failing.run({ seconds: 302 })).rejects.toMatchObject({ code: 'ISOLANE_LEFT_PROCESSES', message: expect.stringMatching(/^The task left 1 process running: sleep 302 \(pid \d+\); stopped \(SIGKILL\)\. To fix:/) })
    const keeping = track(createPool({ filename: fixture('leaves-detached-sleep.js'), minThreads: 0, maxThreads: 1, leftovers: 'keep' }))
    const pid = await keeping.run<number>({ seconds: 303 })
    expect(isAlive(pid)).toBe(true)
    signal(pid, 'SIGKILL')
    await Promise.all([failing.destroy(), keeping.destroy()])
  })

  it('keeps two pools of one process apart', async () => {
    const a = track(createPool({ filename: fixture('reports-namespaces.js'), minThreads: 0, maxThreads: 2, isolation: { hostname: 'a-{workerId}' } }))
    const b = track(createPool({ filename: fixture('reports-namespaces.js'), minThreads: 0, maxThreads: 2, env: { POOL: 'b' }, isolation: { hostname: 'b-{workerId}', namespaces: ['uts', 'net'] } }))
    const [ra1, rb1, ra2, rb2] = await Promise.all([a.run<NamespaceReport>({}), b.run<NamespaceReport>({ env: ['POOL'] }), a.run<NamespaceReport>({}), b.run<NamespaceReport>({ env: ['POOL'] })])
    expect([ra1, ra2].map((r) => r!.hostname).sort()).toEqual(['a-1', 'a-2'])
    expect([rb1, rb2].map((r) => r!.hostname).sort()).toEqual(['b-1', 'b-2'])
    expect(rb1!.env).toEqual({ POOL: 'b' })
    // Pool b makes no mount namespace: its workers share the parent's.
    expect(rb1!.namespaces.mnt).toBe(threadNamespaces().mnt)
    expect(ra1!.namespaces.mnt).not.toBe(threadNamespaces().mnt)
    await Promise.all([a.destroy(), b.destroy()])
  })

  it('destroys a pool with tasks in flight: they fail, and no process is left', async () => {
    const pool = track(createPool({ filename: fixture('sleeps.js'), minThreads: 2, maxThreads: 2 }))
    const tasks = [pool.run({ ms: 60_000 }).catch((e: unknown) => e), pool.run({ ms: 60_000 }).catch((e: unknown) => e)]
    await until(() => pool.workers.length === 2)
    const pids = pool.workers.map((w) => w.pid!)
    expect(pids).toHaveLength(2)
    await pool.destroy()
    for (const error of await Promise.all(tasks)) expect(error).toMatchObject({ code: 'ISOLANE_POOL_DESTROYED' })
    // tinypool forks replacements for the two failed tasks after destroy() began: they got no process.
    expect(pool.stats.workersStarted).toBe(2)
    expect(pool.workers).toEqual([])
    for (const pid of pids) expect(isAlive(pid)).toBe(false)
    await expect(pool.run({})).rejects.toMatchObject({ code: 'ISOLANE_POOL_DESTROYED' })
  })
})

describe.skipIf(noPidNamespace)('createPool with a PID namespace', () => {
  it('makes the worker PID 1, and kills what a task left behind when the worker exits', async () => {
    const marker = `isolane-grandchild-${process.pid}-${Date.now()}`
    const pool = track(createPool({ filename: fixture('spawns-detached-grandchild.js'), minThreads: 0, maxThreads: 1, isolation: { namespaces: ['net', 'mnt', 'ipc', 'uts', 'pid'] } }))
    try {
      const result = await pool.run<{ workerPid: number; grandchildPid: number }>({ marker })
      expect(result.workerPid).toBe(1)
      expect(processesWithArgument(marker)).toEqual([])
    } finally {
      for (const pid of processesWithArgument(marker)) signal(pid, 'SIGKILL')
      await pool.destroy()
    }
  })

  it("(control) without a PID namespace and with leftovers: 'keep', the detached grandchild outlives the worker", async () => {
    const marker = `isolane-grandchild-${process.pid}-${Date.now()}-control`
    const pool = track(createPool({ filename: fixture('spawns-detached-grandchild.js'), minThreads: 0, maxThreads: 1, leftovers: 'keep' }))
    try {
      const result = await pool.run<{ workerPid: number; grandchildPid: number }>({ marker })
      expect(result.workerPid).not.toBe(1)
      expect(processesWithArgument(marker)).toEqual([result.grandchildPid])
    } finally {
      for (const pid of processesWithArgument(marker)) signal(pid, 'SIGKILL')
      await until(() => processesWithArgument(marker).length === 0)
      await pool.destroy()
    }
  })

  it("puts on a dead PID 1 worker's error what its task recorded", async () => {
    const pool = track(createPool({ filename: fixture('records-progress.js'), minThreads: 0, maxThreads: 1, isolation: { namespaces: ['net', 'mnt', 'ipc', 'uts', 'pid'] } }))
    // (A PID 1 cannot SIGKILL itself: the kernel ignores it from inside its namespace.)
    const exited = await pool.run({ records: ['in a PID namespace'], end: 'exits' }).catch((e: unknown) => e)
    expect(exited).toMatchObject({ code: 'ISOLANE_WORKER_EXITED', exitCode: 3, progress: ['in a PID namespace'] })
    await pool.destroy()
  })

  it('stops a PID 1 worker on SIGTERM (without a handler the kernel would not deliver it)', async () => {
    const pool = track(createPool({ filename: fixture('sleeps.js'), minThreads: 1, maxThreads: 1, isolateWorkers: false, isolation: { namespaces: ['pid', 'mnt'] } }))
    // After a task the worker is surely up, with its handlers in place.
    expect(await pool.run({ ms: 0 })).toEqual({ pid: 1 })
    const [worker] = pool.workers
    signal(worker!.pid, 'SIGTERM')
    // tinypool's own SIGKILL comes only when it terminates a worker; this worker must stop by itself.
    await until(() => !isAlive(worker!.pid!), 5_000)
    expect(isAlive(worker!.pid!)).toBe(false)
    await pool.destroy()
  })
})

async function outputOf(child: ReturnType<typeof spawn>): Promise<string> {
  let text = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
  await new Promise((resolve, reject) => child.once('exit', resolve).once('error', reject))
  return text
}

/** Waits for `condition`, at most `limit` ms (then the test's own assertion fails). */
async function until(condition: () => boolean, limit = 20_000): Promise<void> {
  const end = Date.now() + limit
  while (!condition() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10))
}

