// End to end: real `mocha` and real `isolane-mocha` runs over fixtures/mocha, checked as a user
// would see them (reporter output, JSON results, exit codes).
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, afterAll, describe, expect, it } from 'vitest'
import { chooseWay, createPlan } from '@isolane/core'
import { expectSameOutcomes, titles, type JsonReport } from './mocha-reports.js'

const root = join(import.meta.dirname, '..')
const fixtures = join(root, 'fixtures/mocha')
const isolaneMocha = join(root, 'packages/mocha/bin/isolane-mocha.js')
const mocha = createRequire(join(root, 'packages/mocha/package.json')).resolve('mocha/bin/mocha.js')

// Either way: privileged as root, through user namespaces otherwise.
const capability = chooseWay(createPlan({}))
const skipReason = capability.ok ? undefined : `workers cannot get fresh namespaces here (${capability.error.code}): ${capability.error.message}`
if (skipReason) console.warn(`isolane-mocha end-to-end tests skipped: ${skipReason}`)

// Made when the tests run, not when the file is collected (a filtered or listed run leaves none).
let scratch = ''
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'isolane-mocha-e2e-'))
})
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

interface Run {
  status: number | null
  stdout: string
  stderr: string
}

function run(bin: string, args: string[], options: { cwd?: string; env?: Record<string, string>; nodeFlags?: string[] } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...(options.nodeFlags ?? []), bin, ...args],
      { cwd: options.cwd ?? fixtures, env: { ...process.env, NO_COLOR: '1', ...options.env }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    )
  })
}

describe.skipIf(skipReason !== undefined)('isolane-mocha against mocha', () => {
  it('passes the suite whose files all bind port 3000, where mocha --parallel fails with EADDRINUSE', async () => {
    const [plain, isolated] = await Promise.all([
      run(mocha, ['--parallel', '--jobs', '2', 'binds-port-3000']),
      run(isolaneMocha, ['--jobs', '2', 'binds-port-3000']),
    ])
    expect(plain.status).not.toBe(0)
    expect(plain.stdout).toMatch(/EADDRINUSE/)
    expect(isolated.stderr).toBe('')
    expect(isolated.stdout).toMatch(/4 passing/)
    expect(isolated.stdout).not.toMatch(/failing|EADDRINUSE/)
    expect(isolated.status).toBe(0)
  })

  it('warns about a pattern that matches nothing, once, as mocha does, and runs the files of the others', async () => {
    const result = await run(isolaneMocha, ['--jobs', '2', 'no-such-dir', 'binds-port-3000'])
    expect(result.stderr.match(/Warning: Cannot find any files matching pattern "no-such-dir"/g)).toHaveLength(1)
    expect(result.stdout).toMatch(/4 passing/)
    expect(result.status).toBe(0)
  })

  it('reports the same passes, failures and pending tests as plain mocha, with the same exit code', async () => {
    const plainJson = join(scratch, 'plain.json')
    const isolatedJson = join(scratch, 'isolated.json')
    const cwd = join(fixtures, 'mixed-outcomes')
    const [plain, isolated] = await Promise.all([
      run(mocha, ['--reporter', 'json', '--reporter-option', `output=${plainJson}`], { cwd }),
      run(isolaneMocha, ['--reporter', 'json', '--reporter-option', `output=${isolatedJson}`], { cwd }),
    ])
    const expected = JSON.parse(readFileSync(plainJson, 'utf8')) as JsonReport
    const actual = JSON.parse(readFileSync(isolatedJson, 'utf8')) as JsonReport
    expect(expected.stats).toMatchObject({ tests: 13, passes: 5, pending: 4, failures: 5 })
    expectSameOutcomes(actual, expected)
    expect(plain.status).toBe(5)
    expect(isolated.status).toBe(plain.status)
  })

  it('runs global fixtures once in the parent and root hooks in every worker, with the spec reporter', async () => {
    const result = await run(isolaneMocha, ['--reporter', 'spec'], { cwd: join(fixtures, 'mixed-outcomes') })
    expect(result.stdout.match(/global setup in \d+/g)).toHaveLength(1)
    expect(result.stdout.match(/global teardown in \d+/g)).toHaveLength(1)
    expect(result.stdout).toMatch(/✔ runs the root hook plugin in this worker/)
    expect(result.stdout).toMatch(/5 passing[^]*4 pending[^]*5 failing/)
    expect(result.stdout).toMatch(/AssertionError \[ERR_ASSERTION\]: Expected values to be strictly deep-equal/)
    expect(result.status).toBe(5)
  })

  it('honours --bail, --grep and exit-code options as mocha does', async () => {
    // One file each (without the directory's config), so that each run forks one worker.
    const cwd = join(fixtures, 'mixed-outcomes')
    const failing = ['--no-config', 'test/failing.spec.cjs']
    const [plain, bail, grep, posix, passOnFailing] = await Promise.all([
      run(isolaneMocha, [...failing, '--reporter', 'dot'], { cwd }),
      run(isolaneMocha, [...failing, '--bail', '--reporter', 'dot'], { cwd }),
      run(isolaneMocha, ['--no-config', 'test/retries.spec.cjs', '--grep', 'third attempt', '--reporter', 'tap'], { cwd }),
      run(isolaneMocha, [...failing, '--posix-exit-codes', '--reporter', 'min'], { cwd }),
      run(isolaneMocha, [...failing, '--pass-on-failing-test-suite', '--reporter', 'min'], { cwd }),
    ])
    expect(plain.stdout).toMatch(/1 passing[^]*3 failing/)
    expect(plain.status).toBe(3)
    expect(bail.stdout).toMatch(/1 failing/)
    expect(bail.stdout).not.toMatch(/[23] failing/)
    expect(bail.status).toBe(1)
    expect(grep.stdout).toMatch(/^# tests 1$/m)
    expect(grep.stdout).toMatch(/^# pass 1$/m)
    expect(grep.status).toBe(0)
    expect(posix.stdout).toMatch(/3 failing/)
    expect(posix.status).toBe(1)
    expect(passOnFailing.stdout).toMatch(/3 failing/)
    expect(passOnFailing.status).toBe(0)
  })

  it('reports a spec file whose worker crashes as a failure of the test that ran, with the reason, and runs the others', async () => {
    const result = await run(isolaneMocha, ['--jobs', '2', 'crashes-worker'])
    expect(result.stdout).toMatch(/✔ still runs and passes/)
    expect(result.stdout).toMatch(/1 passing[^]*1 failing/)
    expect(result.stdout).toMatch(/1\) a test that kills its worker\s+never finishes:\s+IsolaneError: isolane-mocha: the isolated worker running this file \(pid \d+\) was killed by SIGKILL while this test ran/)
    expect(result.status).toBe(1)
  })

  for (const mode of [[], ['--isolane-no-reuse-workers']]) {
    it(`names how each dead worker died and the test that ran, fails a busy file at its time limit, and runs the rest (${mode.length ? 'fresh workers' : 'reused workers'})`, async () => {
      const result = await run(isolaneMocha, ['--jobs', '2', '--isolane-file-timeout', '3000', ...mode, 'worker-dies'])
      // The tests that ran before a death are reported as they went; the three neighbours pass.
      expect(result.stdout).toMatch(/✔ runs before the worker is killed/)
      expect(result.stdout.match(/✔ passes/g)).toHaveLength(3)
      expect(result.stdout).toMatch(/4 passing[^]*4 failing/)
      expect(result.stdout).toMatch(/a worker killed mid-file\s+kills its own worker with SIGKILL:\s+IsolaneError: isolane-mocha: the isolated worker running this file \(pid \d+\) was killed by SIGKILL while this test ran/)
      expect(result.stdout).not.toMatch(/never runs/)
      expect(result.stdout).toMatch(/calls process\.exit\(3\):\s+IsolaneError: isolane-mocha: the isolated worker running this file \(pid \d+\) exited with status 3 while this test ran/)
      expect(result.stdout).toMatch(/spins forever:\s+IsolaneError: isolane-mocha: this file ran past its time limit of 3000 ms \(--isolane-file-timeout\) while this test ran/)
      // Dead before any test: the file as a whole, named.
      expect(result.stdout).toMatch(/worker-dies\/dies-while-loading\.spec\.cjs \(pid \d+\) was killed by SIGKILL before the file finished, outside any test/)
      expect(result.status).toBe(4)
    })
  }

  const ways = capability.ok && capability.way === 'privileged' ? (['auto', 'user-namespace'] as const) : (['auto'] as const)
  for (const way of ways) {
    it(`fails every file of a worker whose plugin throws with one message naming the plugin and its error, at once (way: ${way})`, async () => {
      const result = await run(isolaneMocha, ['--jobs', '2'], { cwd: join(fixtures, 'plugin-fails'), env: { ISOLANE_WAY: way } })
      const message = /isolane-mocha: none of \S+never-runs-\w+\.spec\.cjs's tests ran: the isolation setup of its worker failed: Isolation plugin "test-database" failed: no route to the test database/g
      expect(result.stdout.match(message)?.length, result.stdout).toBeGreaterThanOrEqual(1)
      // Said once by the run, not once a worker on stderr; no retry of workers that cannot be set up, no frames of isolane's.
      expect(result.stderr).not.toContain('no route to the test database')
      expect(result.stdout).not.toMatch(/exit before they are ready|Caused by|at runPlugin/)
      expect(result.stdout).toMatch(/0 passing/)
      expect(result.status).not.toBe(0)
    })
  }

  it('refuses a file time limit that is not a number of milliseconds, before any worker starts', async () => {
    const result = await run(isolaneMocha, ['--isolane-file-timeout', 'soon', 'worker-dies'])
    expect(result.stderr).toMatch(/--isolane-file-timeout \(or `isolane\.fileTimeout`\) must be a number of milliseconds, 0 for no limit; got "soon"\. To fix: give for example --isolane-file-timeout 60000/)
    expect(result.status).toBe(1)
  })

  it('starts the workers after the global setup, with the environment it set, in both modes as mocha --parallel', async () => {
    const cwd = join(fixtures, 'global-setup-env')
    const [parallel, fresh, reused] = await Promise.all([
      run(mocha, ['--parallel', '--jobs', '2', '--reporter', 'dot'], { cwd }),
      run(isolaneMocha, ['--jobs', '2', '--reporter', 'dot'], { cwd }),
      run(isolaneMocha, ['--jobs', '2', '--isolane-reuse-workers', '--reporter', 'dot'], { cwd }),
    ])
    for (const result of [parallel, fresh, reused]) {
      expect(result.stdout).toMatch(/3 passing/)
      expect(result.stdout).not.toMatch(/failing/)
      expect(result.status).toBe(0)
    }
  })

  it("hands the workers the node flags mocha --parallel hands its own: its node's (but its debugger's), or those it was given", async () => {
    const cwd = join(fixtures, 'node-flags')
    const runs = [
      // Mocha's pool gives its workers the flags of the node it runs in...
      { nodeFlags: ['--stack-size=2000'], args: [], expected: ['--stack-size=2000'] },
      // ...which, given node flags or --node-option, is a node its bin spawns with those only.
      { nodeFlags: ['--stack-size=2000'], args: ['--node-option', 'stack-size=3000'], expected: ['--stack-size=3000'] },
    ]
    const results = await Promise.all(
      runs.flatMap(({ nodeFlags, args, expected }) => {
        const env = { EXPECTED_EXEC_ARGV: JSON.stringify(expected) }
        const rest = [...args, '--reporter', 'dot', 'sees-node-flags.spec.cjs']
        return [run(mocha, ['--parallel', '--jobs', '2', ...rest], { cwd, env, nodeFlags }), run(isolaneMocha, ['--jobs', '2', ...rest], { cwd, env, nodeFlags })]
      }),
    )
    for (const result of results) {
      expect(result.stdout, result.stdout + result.stderr).toMatch(/1 passing/)
      expect(result.status).toBe(0)
    }
    // Not the debugger's: a worker's inspector would listen where no debugger reaches (its own network).
    const debugged = await run(isolaneMocha, ['--jobs', '2', '--reporter', 'dot', 'sees-node-flags.spec.cjs'], { cwd, env: { EXPECTED_EXEC_ARGV: JSON.stringify(['--stack-size=2000']) }, nodeFlags: ['--inspect=127.0.0.1:0', '--stack-size=2000'] })
    expect(debugged.stdout, debugged.stdout + debugged.stderr).toMatch(/1 passing/)
  })

  it('takes isolation options from the command line', async () => {
    const hostNet = readlinkSync('/proc/self/ns/net')
    const [named, fresh, shared] = await Promise.all([
      run(isolaneMocha, ['--isolane-hostname', 'cli-{workerId}', 'sets-hostname'], { env: { EXPECTED_HOSTNAME_PREFIX: 'cli-' } }),
      run(isolaneMocha, ['checks-net-namespace'], { env: { HOST_NET_NS: hostNet, EXPECT_NET: 'fresh' } }),
      run(isolaneMocha, ['--isolane-namespaces', 'mnt,ipc,uts', 'checks-net-namespace'], { env: { HOST_NET_NS: hostNet, EXPECT_NET: 'host' } }),
    ])
    expect(named.stdout).toMatch(/2 passing/)
    for (const result of [fresh, shared]) expect(result.stdout).toMatch(/1 passing/)
    for (const result of [named, fresh, shared]) expect(result.status).toBe(0)
  })

  it('takes isolation options and plugins from a JS config', async () => {
    const result = await run(isolaneMocha, [], { cwd: join(fixtures, 'isolation-config') })
    expect(result.stdout).toMatch(/2 passing/)
    expect(result.status).toBe(0)
    // The plugin wrote into the workers' private /tmp, not the host's.
    expect(existsSync('/tmp/isolane-plugin-marker')).toBe(false)
  })
})

/** The pid and net namespace a reuses-workers spec file names in its first test's title. */
function workersOf(report: JsonReport): Array<{ pid: number; net: string }> {
  return report.passes.flatMap((test) => {
    const match = / runs in pid (\d+) with net (\S+)$/.exec(test.fullTitle)
    return match ? [{ pid: Number(match[1]), net: match[2] as string }] : []
  })
}

describe.skipIf(skipReason !== undefined)('nothing a file leaves reaches the next file, or outlives its file', () => {
  it('files that each leave a server on 127.0.0.1:3000 and a file in /tmp: mocha --parallel fails, isolane-mocha passes, reused workers and fresh ones', async () => {
    const cwd = join(fixtures, 'leaves-things-behind')
    const marker = '/tmp/isolane-fixture-left-behind'
    const [reused, fresh] = await Promise.all([
      run(isolaneMocha, ['--jobs', '2', '*.spec.cjs'], { cwd }),
      run(isolaneMocha, ['--jobs', '2', '--isolane-no-reuse-workers', '*.spec.cjs'], { cwd }),
    ])
    for (const result of [reused, fresh]) {
      expect(result.stdout, result.stderr).toMatch(/8 passing/)
      expect(result.status).toBe(0)
    }
    expect(existsSync(marker)).toBe(false)
    try {
      const parallel = await run(mocha, ['--parallel', '--jobs', '2', '*.spec.cjs'], { cwd })
      expect(parallel.stdout).toMatch(/EADDRINUSE|an earlier file left/)
      expect(parallel.status).not.toBe(0)
    } finally {
      rmSync(marker, { force: true }) // what mocha --parallel left on the host
    }
  })

  it('stops a process a file left running, detached, and the warning names the file', async () => {
    const result = await run(isolaneMocha, ['leaves-a-process/starts-a-sleep.spec.cjs'])
    const pid = Number(/\[left\] (\d+)/.exec(result.stdout)?.[1])
    expect(result.stdout).toMatch(/1 passing/)
    expect(result.stderr).toMatch(new RegExp(`^isolane-mocha: leaves-a-process/starts-a-sleep\\.spec\\.cjs left 1 process running: sleep 300 \\(pid ${pid}\\); stopped \\(SIGKILL\\)$`, 'm'))
    expect(isRunning(pid)).toBe(false)
    expect(result.status).toBe(0)
    // With --isolane-leftovers fail, the file fails too.
    const failing = await run(isolaneMocha, ['--isolane-leftovers', 'fail', 'leaves-a-process/starts-a-sleep.spec.cjs'])
    expect(failing.stdout).toMatch(/1 failing/)
    expect(failing.stdout).toMatch(/left 1 process running: sleep 300/)
    expect(failing.status).not.toBe(0)
  })

  it('with the pid kind, ps in a test lists only the worker and its own children', async () => {
    const result = await run(isolaneMocha, ['--isolane-namespaces', 'net,mnt,ipc,uts,pid', 'leaves-a-process/lists-its-processes.spec.cjs'])
    expect(result.stdout, result.stderr).toMatch(/1 passing/)
    const ps = JSON.parse(/\[ps\] (.*)/.exec(result.stdout)![1]!) as string[]
    expect(ps[0]).toMatch(/^1 /)
    expect(ps.length).toBeLessThanOrEqual(3) // the worker (PID 1), ps, and the sh execFileSync may use
    expect(ps.join(' ')).not.toMatch(/systemd|init\b|vitest/)
  })
})

describe.skipIf(skipReason !== undefined)('isolane-mocha --isolane-reuse-workers', () => {
  const hostNet = readlinkSync('/proc/self/ns/net')

  it('passes the port suite: workers bind port 3000 at once, the files of one worker one after another', async () => {
    const result = await run(isolaneMocha, ['--jobs', '2', '--isolane-reuse-workers', 'binds-port-3000'])
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(/4 passing/)
    expect(result.stdout).not.toMatch(/failing|EADDRINUSE/)
    expect(result.status).toBe(0)
  })

  it('reports the same passes, failures and pending tests as plain mocha, root hooks included', async () => {
    const plainJson = join(scratch, 'reuse-plain.json')
    const reusedJson = join(scratch, 'reuse-isolated.json')
    const cwd = join(fixtures, 'mixed-outcomes')
    // Four files on two workers: each worker runs two of them.
    const [plain, reused] = await Promise.all([
      run(mocha, ['--reporter', 'json', '--reporter-option', `output=${plainJson}`], { cwd }),
      run(isolaneMocha, ['--jobs', '2', '--isolane-reuse-workers', '--reporter', 'json', '--reporter-option', `output=${reusedJson}`], { cwd }),
    ])
    const expected = JSON.parse(readFileSync(plainJson, 'utf8')) as JsonReport
    const actual = JSON.parse(readFileSync(reusedJson, 'utf8')) as JsonReport
    expect(expected.stats).toMatchObject({ tests: 13, passes: 5, pending: 4, failures: 5 })
    expectSameOutcomes(actual, expected)
    expect(titles(actual, 'passes')).toContain('hooks runs the root hook plugin in this worker')
    expect(reused.status).toBe(plain.status)
  })

  it('runs the files on at most --jobs workers, each file in a net namespace of its own, root hooks once per file as mocha --parallel', async () => {
    const cwd = join(fixtures, 'reuses-workers')
    const reports = ['reused.json', 'fresh.json', 'mocha-parallel.json'].map((name) => join(scratch, name))
    // The directory's config asks for reuseWorkers; the flag turns it off again.
    const [reused, fresh, parallel] = await Promise.all([
      run(isolaneMocha, ['--jobs', '2', '--reporter', 'json', '--reporter-option', `output=${reports[0]}`], { cwd }),
      run(isolaneMocha, ['--jobs', '2', '--isolane-no-reuse-workers', '--reporter', 'json', '--reporter-option', `output=${reports[1]}`], { cwd }),
      run(mocha, ['--parallel', '--jobs', '2', '--reporter', 'json', '--reporter-option', `output=${reports[2]}`], { cwd }),
    ])
    const [reusedReport, freshReport, parallelReport] = reports.map((file) => JSON.parse(readFileSync(file, 'utf8')) as JsonReport)
    for (const [result, report] of [[reused, reusedReport], [fresh, freshReport], [parallel, parallelReport]] as const) {
      // Each file's own tests once (a fresh Mocha per file), and the root beforeAll hook ran for each.
      expect(report!.stats, result.stderr).toMatchObject({ tests: 12, passes: 12, failures: 0 })
      expect(result.status).toBe(0)
    }

    const workers = workersOf(reusedReport!)
    expect(workers).toHaveLength(6)
    const pids = new Set(workers.map((w) => w.pid))
    expect(pids.size).toBeLessThanOrEqual(2)
    expect(pids.size).toBeLessThan(workers.length)
    // A network namespace per file, renewed in the worker before each: a worker makes the next one
    // while it still holds the last, so one worker's files in turn never share an inode number (the
    // kernel may give a namespace already gone number to a new one, so across workers they may); the host's for none.
    for (const pid of pids) {
      const inTurn = workers.filter((w) => w.pid === pid).map((w) => w.net)
      for (let i = 1; i < inTurn.length; i++) expect(inTurn[i], `worker ${pid}, its file ${i + 1} after file ${i}`).not.toBe(inTurn[i - 1])
    }
    for (const { net } of workers) expect(net).not.toBe(hostNet)

    const freshWorkers = workersOf(freshReport!)
    expect(new Set(freshWorkers.map((w) => w.pid)).size).toBe(6)
    // (Their namespaces' inode numbers may repeat: the kernel reuses that of a namespace already gone.)
    for (const { net } of freshWorkers) expect(net).not.toBe(hostNet)
    // mocha --parallel reuses its workers too, in the host's network namespace.
    const parallelWorkers = workersOf(parallelReport!)
    expect(new Set(parallelWorkers.map((w) => w.pid)).size).toBeLessThanOrEqual(2)
    for (const { net } of parallelWorkers) expect(net).toBe(hostNet)
  })

  it('reports a file whose reused worker crashes with the reason, and runs the later files in a new worker', async () => {
    // One worker, the crashing file first: the files after it need the worker that replaces it.
    const files = ['a-exits-during-a-test', 'b-passes', 'c-passes'].map((name) => `crashes-reused-worker/${name}.spec.cjs`)
    const result = await run(isolaneMocha, ['--jobs', '1', '--isolane-reuse-workers', ...files])
    expect(result.stdout).toMatch(/2 passing[^]*1 failing/)
    const crashed = /never finishes:\s+IsolaneError: isolane-mocha: the isolated worker running this file \(pid (\d+)\) was killed by SIGKILL while this test ran/.exec(result.stdout)
    expect(crashed, result.stdout).not.toBeNull()
    const later = [...result.stdout.matchAll(/✔ passes in pid (\d+)/g)].map((match) => match[1])
    expect(later).toHaveLength(2)
    expect(later[0]).toBe(later[1])
    expect(later[0]).not.toBe(crashed![1])
    expect(result.status).toBe(1)
  })
})

describe('isolane-mocha refusals, before any worker starts', () => {
  it('rejects bad isolation options with what to do', async () => {
    const [kind, hostname] = await Promise.all([
      run(isolaneMocha, ['--isolane-namespaces', 'net,bogus', 'binds-port-3000']),
      run(isolaneMocha, ['--isolane-namespaces', 'net', '--isolane-hostname', 'x', 'binds-port-3000']),
    ])
    expect(kind.stderr).toMatch(/Invalid isolation options: unknown namespace kind "bogus"\. To fix: use some of/)
    expect(hostname.stderr).toMatch(/`hostname` needs a fresh UTS namespace/)
    for (const result of [kind, hostname]) {
      expect(result.stdout).not.toMatch(/passing|failing/)
      expect(result.status).toBe(1)
    }
  })

  it('refuses what mocha --parallel refuses, with mocha\'s message', async () => {
    const [sort, file, progress, watch] = await Promise.all([
      run(isolaneMocha, ['--sort', 'binds-port-3000']),
      run(isolaneMocha, ['--file', 'binds-port-3000/listens-on-3000-a.spec.cjs', 'binds-port-3000']),
      run(isolaneMocha, ['--reporter', 'progress', 'binds-port-3000']),
      run(isolaneMocha, ['--watch', 'binds-port-3000']),
    ])
    expect(sort.stderr).toMatch(/ERROR: --parallel runs test files in a non-deterministic order, and is mutually exclusive with --sort/)
    expect(file.stderr).toMatch(/ERROR: --parallel runs test files in a non-deterministic order, and is mutually exclusive with --file/)
    expect(progress.stderr).toMatch(/ERROR: --reporter=progress is mutually exclusive with --parallel/)
    expect(watch.stderr).toMatch(/does not support --watch/)
    for (const result of [sort, file, progress, watch]) {
      expect(result.stdout).not.toMatch(/passing|failing/)
      expect(result.status).toBe(1)
    }
  })

  it('says once that no file matches, as mocha does', async () => {
    const result = await run(isolaneMocha, ['no-such-dir'])
    expect(result.stderr.match(/No test files found/g)).toHaveLength(1)
    expect(result.stderr).toMatch(/isolane-mocha: No test files found: "no-such-dir"\. To fix: check the spec patterns/)
    expect(result.status).toBe(1)
  })

  it('refuses spec files that the workers\' private /tmp would hide', async () => {
    const spec = join(scratch, 'under-tmp.spec.cjs')
    writeFileSync(spec, "it('would pass', () => {})\n")
    const result = await run(isolaneMocha, [spec])
    expect(result.stderr).toMatch(/The spec file .*under-tmp\.spec\.cjs is under \/tmp, where every worker gets a fresh, empty tmpfs/)
    expect(result.stderr).toMatch(/To fix: move the suite out of \/tmp, or show its directory to the workers with `isolane: \{ binds/)
    expect(result.stdout).not.toMatch(/passing/)
    expect(result.status).toBe(1)
  })
})

/** Whether `pid` is a live process (not a zombie). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}
