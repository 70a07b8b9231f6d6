// End to end: real Jest runs over fixtures/jest, with `runner: '@isolane/jest'` and with Jest's own
// runner (JEST_STOCK=1 in the fixtures' configs), checked as a user would see them (the reporter's
// output, --json results, exit codes). Each run gets a fresh cache directory: with cached timings
// Jest would run a few fast files in band, and the stock runs would not run the files at once.
import { execFile, spawn } from 'node:child_process'
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chooseWay, createPlan } from '@isolane/core'
import { isAlive } from '../packages/pool/src/test-support/processes.js'

const root = join(import.meta.dirname, '..')
const fixtures = join(root, 'fixtures/jest')
const jest = join(root, 'node_modules/jest/bin/jest.js')
const hostMarker = '/tmp/isolane-jest-fixture-marker'

// Either way: privileged as root, through user namespaces otherwise.
const capability = chooseWay(createPlan({}))
const skipReason = capability.ok ? undefined : `workers cannot get fresh namespaces here (${capability.error.code}): ${capability.error.message}`
if (skipReason) console.warn(`@isolane/jest end-to-end tests skipped: ${skipReason}`)

let scratch = ''
let hostServer: Server
let hostPort = 0
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'isolane-jest-e2e-'))
  // The stock runs connect and hang up at once: a reset is expected.
  hostServer = createServer((socket) => socket.on('error', () => undefined).end('hello from the host'))
  await new Promise<void>((resolve) => hostServer.listen(0, '127.0.0.1', resolve))
  hostPort = (hostServer.address() as AddressInfo).port
})
afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true })
  rmSync(hostMarker, { force: true })
  await new Promise((resolve) => hostServer.close(resolve))
})

interface Run {
  status: number | null
  stdout: string
  stderr: string
}

let runs = 0
function runJest(fixture: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const cacheDirectory = join(scratch, `cache-${++runs}`)
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [jest, '--ci', `--cacheDirectory=${cacheDirectory}`, ...args],
      { cwd: join(fixtures, fixture), env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', HOST_SERVER_PORT: String(hostPort), ...env }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    )
  })
}

interface JsonResults {
  success: boolean
  numTotalTestSuites: number
  numPassedTestSuites: number
  numFailedTestSuites: number
  numTotalTests: number
  numPassedTests: number
  numFailedTests: number
  numPendingTests: number
  numTodoTests: number
  snapshot: { matched: number; unmatched: number; added: number }
  testResults: Array<{ name: string; status: string; message: string }>
}

async function runJson(fixture: string, args: string[], env: Record<string, string> = {}): Promise<{ run: Run; results: JsonResults }> {
  const outputFile = join(scratch, `results-${runs + 1}.json`)
  const run = await runJest(fixture, ['--json', `--outputFile=${outputFile}`, ...args], env)
  return { run, results: JSON.parse(readFileSync(outputFile, 'utf8')) as JsonResults }
}

function counts({ numTotalTestSuites, numPassedTestSuites, numFailedTestSuites, numTotalTests, numPassedTests, numFailedTests, numPendingTests, numTodoTests, snapshot }: JsonResults) {
  return { numTotalTestSuites, numPassedTestSuites, numFailedTestSuites, numTotalTests, numPassedTests, numFailedTests, numPendingTests, numTodoTests, snapshots: snapshot.matched }
}

describe.skipIf(skipReason !== undefined)('jest with the isolane runner', () => {
  it('passes the files that all hold port 3000, where stock Jest with 4 workers fails with EADDRINUSE', async () => {
    const [stock, isolated] = await Promise.all([runJest('binds-port-3000', ['--maxWorkers=4'], { JEST_STOCK: '1' }), runJest('binds-port-3000', ['--maxWorkers=4'])])
    expect(stock.stderr).toMatch(/EADDRINUSE/)
    expect(stock.status).toBe(1)
    expect(isolated.stderr).toMatch(/Tests: {7}4 passed, 4 total/)
    expect(isolated.stderr).not.toMatch(/EADDRINUSE|FAIL/)
    expect(isolated.status).toBe(0)
  })

  it("gives each file its own /tmp (renewed between the files of a reused worker), the hostname, a loopback of its own and no outside network; the host's /tmp is untouched", async () => {
    rmSync(hostMarker, { force: true })
    const [stock, isolated] = await Promise.all([
      runJson('sees-its-isolation', ['--maxWorkers=2'], { JEST_STOCK: '1' }),
      runJson('sees-its-isolation', ['--maxWorkers=2']),
    ])
    rmSync(hostMarker, { force: true })
    // Stock Jest: the files find each other's /tmp file, the host's hostname and loopback.
    const stockFailed = stock.results.testResults.filter((file) => file.status === 'failed').map((file) => file.name.split('/').pop())
    expect(stockFailed).toEqual(expect.arrayContaining(['hostname-of-the-runner.test.cjs', 'hostname-of-its-own.test.cjs', 'reaches-host-loopback.test.cjs']))
    expect(stockFailed.filter((name) => name?.startsWith('writes-tmp-file')).length).toBeGreaterThan(0)
    expect(isolated.results.testResults.filter((file) => file.status !== 'passed').map((file) => file.message)).toEqual([])
    expect(counts(isolated.results)).toMatchObject({ numTotalTestSuites: 7, numPassedTestSuites: 7, numPassedTests: 7 })
    expect(isolated.run.status).toBe(0)
    // Isolated, no file wrote into the host's /tmp (the stock run's marker was removed before it).
    const isolatedAlone = await runJson('sees-its-isolation', ['--maxWorkers=2'])
    expect(isolatedAlone.results.success).toBe(true)
    expect(existsSync(hostMarker)).toBe(false)
  })

  it("keeps Jest's features: setup files, global setup and teardown, snapshots, testTimeout, coverage, the jsdom environment, the same counts and exit code as stock Jest", async () => {
    const out = (name: string) => join(scratch, name)
    const args = (name: string) => ['--maxWorkers=2', '--coverage', `--coverageDirectory=${out(`coverage-${name}`)}`, '--coverageReporters=json-summary']
    const [stock, isolated] = await Promise.all([
      runJson('jest-features', args('stock'), { JEST_STOCK: '1', FIXTURE_OUT: scratch }),
      runJson('jest-features', args('isolated'), { FIXTURE_OUT: scratch }),
    ])
    expect(counts(isolated.results)).toEqual(counts(stock.results))
    expect(counts(isolated.results)).toEqual({ numTotalTestSuites: 4, numPassedTestSuites: 3, numFailedTestSuites: 1, numTotalTests: 8, numPassedTests: 5, numFailedTests: 1, numPendingTests: 1, numTodoTests: 1, snapshots: 1 })
    expect(isolated.results.testResults.find((file) => file.status === 'failed')?.message).toMatch(/Exceeded timeout of 300 ms/)
    expect(isolated.run.status).toBe(stock.run.status)
    expect(isolated.run.status).toBe(1)
    const coverage = (name: string) => (JSON.parse(readFileSync(out(`coverage-${name}/coverage-summary.json`), 'utf8')) as { total: unknown }).total
    expect(coverage('isolated')).toEqual(coverage('stock'))
    expect(existsSync(out('global-teardown-ran'))).toBe(true)
  })

  it('runs the shards of --shard as stock Jest does, and stops at the first failed file with --bail', async () => {
    const shards = await Promise.all(['1/2', '2/2'].map((shard) => runJson('jest-features', ['--maxWorkers=2', `--shard=${shard}`])))
    expect(shards.map(({ results }) => results.numTotalTestSuites)).toEqual([2, 2])
    expect(shards.reduce((sum, { results }) => sum + results.numTotalTests, 0)).toBe(8)
    // One worker, files in Jest's order (largest first, on a fresh cache): it stops after times-out.test.cjs.
    const [stockBailed, bailed] = await Promise.all([runJest('jest-features', ['--maxWorkers=1', '--bail'], { JEST_STOCK: '1' }), runJest('jest-features', ['--maxWorkers=1', '--bail'])])
    const summary = (run: Run) => /^Test Suites: .*$/m.exec(run.stderr)?.[0]
    expect(summary(bailed)).toBe('Test Suites: 1 failed, 2 passed, 3 of 4 total')
    expect(summary(bailed)).toBe(summary(stockBailed))
    expect(bailed.status).toBe(1)
  })

  it('runs again through the isolane runner in watch mode when a file changes', async () => {
    // A copy, under a name fixtures/jest/.gitignore ignores: the test changes a file in it.
    const project = mkdtempSync(join(fixtures, 'many-files-watch-'))
    cpSync(join(fixtures, 'binds-port-3000'), project, { recursive: true })
    const child = spawn(process.execPath, [jest, '--watchAll', '--maxWorkers=4', `--cacheDirectory=${join(scratch, 'cache-watch')}`], { cwd: project, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } })
    let stderr = ''
    const runs = (count: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`watch mode ran ${stderr.split('Ran all test suites').length - 1} times, not ${count}:\n${stderr}`)), 60_000)
        const check = () => {
          if (stderr.split('Ran all test suites').length - 1 < count) return
          clearTimeout(timer)
          child.stderr.off('data', listen)
          resolve()
        }
        const listen = (data: Buffer) => {
          stderr += String(data)
          check()
        }
        child.stderr.on('data', listen)
        check()
      })
    try {
      await runs(1)
      appendFileSync(join(project, 'listens-on-3000-a.test.cjs'), '\n// changed\n')
      await runs(2)
      const second = stderr.slice(stderr.indexOf('Ran all test suites') + 1)
      expect(second).toMatch(/PASS \.\/listens-on-3000-a\.test\.cjs/)
      expect(stderr).not.toMatch(/EADDRINUSE|FAIL/)
    } finally {
      // Between runs the runner has no worker: each run's pool is gone when the run ends.
      child.kill('SIGKILL')
      rmSync(project, { recursive: true, force: true })
    }
  })

  it('fails the file whose worker dies, naming it, how and the test that ran, the other files run on; one whose worker exits with an error status runs again, as in stock Jest', async () => {
    // Where the workers can see it (not under /tmp): the file that exits the first time remembers it ran.
    const retryDir = join(fixtures, 'worker-dies', `.retry-${process.pid}`)
    const { run, results } = await runJson('worker-dies', ['--maxWorkers=2'], { RETRY_DIR: retryDir }).finally(() => rmSync(retryDir, { recursive: true, force: true }))
    const byName = Object.fromEntries(results.testResults.map((file) => [file.name.split('/').pop(), file]))
    expect(byName['killed-by-sigkill.test.cjs']?.message).toMatch(
      /@isolane\/jest: the isolated worker running this file \(pid \d+\) was killed by SIGKILL while test "kills its own worker with SIGKILL" ran, so the file could not finish; the other files run on\. SIGKILL comes from outside the process/,
    )
    expect(byName['exits-with-3.test.cjs']?.message).toMatch(/exited with status 3 while test "calls process.exit\(3\)" ran/)
    // As stock Jest (jest-worker): a worker that exits with an error status gets its file again, 3 more times; a killed one does not.
    expect(byName['exits-with-3.test.cjs']?.message).toMatch(/It ran 4 times, each in a new worker/)
    expect(byName['killed-by-sigkill.test.cjs']?.message).not.toMatch(/It ran/)
    expect(byName['exits-the-first-time.test.cjs']?.status).toBe('passed')
    expect(counts(results)).toMatchObject({ numTotalTestSuites: 7, numFailedTestSuites: 2, numPassedTestSuites: 5 })
    expect(run.status).toBe(1)
    const timedOut = await runJson('worker-dies', ['busy-loop'], { FILE_TIMEOUT: '1500' })
    expect(timedOut.results.testResults[0]?.message).toMatch(/ran past its time limit of 1500 ms \(`fileTimeout`\) while test "spins until the file time limit" ran/)
    expect(timedOut.run.status).toBe(1)
  })

  it('says on the error of a test that reached outside its network what happened and how to allow it, and lists them at the end', async () => {
    const [reported, quiet] = await Promise.all([runJest('tries-outside-network', ['--maxWorkers=2']), runJest('tries-outside-network', ['--maxWorkers=2'], { REPORT: 'false' })])
    const note = (destination: string) => `[isolane: ${destination} is outside this worker's network namespace, which has only its own loopback. To allow it: give this file the host's network (\`@isolane-options {"share": ["net"]}\` in its docblock)`
    expect(reported.stderr).toContain(`connect ENETUNREACH 192.0.2.10:80 - Local (0.0.0.0:0) ${note('192.0.2.10:80')}`)
    expect(reported.stderr).toContain(`getaddrinfo EAI_AGAIN billing.example.com ${note('billing.example.com')}`)
    expect(reported.stderr.split('[isolane: billing.example.com').length).toBe(2)
    // In the order heard: the two files run at once.
    expect(reported.stderr).toMatch(/^@isolane\/jest: 2 tests tried to reach the network outside their workers \(each worker has only its own loopback\), and failed:$/m)
    expect(reported.stderr).toMatch(/^ {2}connects-to-an-address\.test\.cjs > opens a connection to the billing server: 192\.0\.2\.10:80 \(connect ENETUNREACH/m)
    expect(reported.stderr).toMatch(/^ {2}looks-up-a-host-name\.test\.cjs > resolves the name of the billing server: billing\.example\.com \(getaddrinfo EAI_AGAIN billing\.example\.com\)$/m)
    expect(reported.status).toBe(1)
    expect(quiet.stderr).toMatch(/ENETUNREACH/)
    expect(quiet.stderr).not.toMatch(/\[isolane:|tried to reach the network/)
  })

  it("fails every file whose worker's isolation setup fails, with the plugin's error", async () => {
    const { run, results } = await runJson('plugin-fails', ['--maxWorkers=2'])
    expect(results.testResults.map((file) => file.message)).toEqual([0, 1].map(() => expect.stringMatching(/@isolane\/jest: none of this file's tests ran: the isolation setup of its worker failed: Isolation plugin "db" failed: no route to the test database/)))
    expect(counts(results)).toMatchObject({ numTotalTestSuites: 2, numFailedTestSuites: 2, numTotalTests: 0 })
    expect(run.status).toBe(1)
  })

  it('refuses bad runner options and bad docblock options before any file runs, saying what to do', async () => {
    const [kind, reuse, docblock] = await Promise.all(['kind', 'reuse', 'docblock'].map((bad) => runJest('bad-options', [], { BAD: bad })))
    expect(kind.stderr).toMatch(/IsolaneError: @isolane\/jest: invalid runner options \(`runner: \['@isolane\/jest', \{ \.\.\. \}\]` in the Jest config\): Invalid isolation options: unknown namespace kind "nope"\. To fix:/)
    expect(reuse.stderr).toMatch(/`reuseWorkers` must be true or false, not "yes"/)
    expect(docblock.stderr).toMatch(/the isolation options in the docblock of bad-docblock\.test\.cjs \(`@isolane-options`\) are invalid: .*hostname "no spaces allowed"/)
    for (const run of [kind, reuse, docblock]) {
      expect(run.stderr).not.toMatch(/PASS|passes, if it runs at all/)
      expect(run.stderr).not.toMatch(/ at /)
      expect(run.status).toBe(1)
    }
  })

  it("refuses, as a normal user, the privileged way, saying why and how to run anyway", async ({ skip }) => {
    if (process.getuid?.() === 0) return skip('root has the privileged way (test/refusals.test.ts covers a machine that refuses root too)')
    const run = await runJest('bad-options', [], { BAD: 'privileged' })
    expect(run.stderr).toMatch(/@isolane\/jest: the test workers cannot get fresh net, mnt, ipc, uts namespaces on this machine, so no test ran\. .*`way: 'privileged'` was asked for/)
    expect(run.stderr).toMatch(/set `fallback: 'none'`/)
    expect(run.stderr).not.toMatch(/PASS/)
    expect(run.status).toBe(1)
  })

  it('stops what a file leaves running and names the file; with leftovers: fail, the file fails', async () => {
    const [stopped, failed] = await Promise.all([runJest('leaves-a-process', []), runJest('leaves-a-process', [], { LEFTOVERS: 'fail' })])
    const pid = Number(/\[left\] (\d+)/.exec(stopped.stdout + stopped.stderr)?.[1])
    expect(stopped.stderr).toMatch(new RegExp(`^@isolane/jest: starts-a-sleep\\.test\\.cjs left 1 process running: sleep 300 \\(pid ${pid}\\); stopped \\(SIGKILL\\)$`, 'm'))
    expect(isAlive(pid)).toBe(false)
    expect(stopped.status).toBe(0)
    expect(failed.stderr).toMatch(/FAIL \.\/starts-a-sleep\.test\.cjs/)
    expect(failed.stderr).toMatch(/left 1 process running: sleep 300/)
    expect(failed.status).toBe(1)
  })
})
