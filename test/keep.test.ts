// End to end: keep: 'on-failure' keeps the namespaces of a worker whose file failed (Vitest pool,
// isolane-mocha, the Jest runner; `isolane run --keep NAME` for a command), `isolane ls` lists them, `isolane enter`
// steps in (the failed file's /tmp, its hostname), and `isolane rm --all` leaves nothing behind.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chooseWay, createPlan } from '@isolane/core'
import { afterAll, describe, expect, it } from 'vitest'
import { cleanEnv, runVitest } from '../fixtures/vitest/run-vitest.js'

const root = join(import.meta.dirname, '..')
const cli = join(root, 'packages/cli/bin/isolane.js')
const isolaneMocha = join(root, 'packages/mocha/bin/isolane-mocha.js')
const jest = join(root, 'node_modules/jest/bin/jest.js')
const verdict = chooseWay(createPlan({}))
const skip = verdict.ok ? undefined : `skipped: workers cannot get fresh namespaces here (${verdict.error.code}: ${verdict.error.message})`
if (skip) console.warn(skip)
// As root both ways are tried: the privileged one, and the one without root, forced.
const ways = verdict.ok && verdict.way === 'privileged' ? ['auto', 'user-namespace'] : ['auto']

// The records of kept workers go to $XDG_RUNTIME_DIR/isolane/kept: a scratch one for these tests.
const runtime = mkdtempSync(join(tmpdir(), 'isolane-keep-test-'))
const env = { ...cleanEnv(), NO_COLOR: '1', XDG_RUNTIME_DIR: runtime }
afterAll(async () => {
  await run(process.execPath, [cli, 'rm', '--all'])
  rmSync(runtime, { recursive: true, force: true })
})

function run(file: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd, env: { ...env, ...options.env } }, (error, stdout, stderr) => resolve({ status: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }))
  })
}
const isolane = (...args: string[]) => run(process.execPath, [cli, ...args])

/** Running (a zombie, dead and not yet reaped by whoever adopted it, is not). */
function isAlive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8') !== ''
  } catch {
    return false
  }
}

/** Steps into the one kept worker, checks what it kept, releases it, and checks nothing is left. */
async function checkKeptAndRelease(expected: { name: RegExp; file: string | undefined; hostname: string; note: string; notePath: string }): Promise<void> {
  const listed = await isolane('ls')
  expect(listed.status).toBe(0)
  const row = listed.stdout.split('\n').find((line) => expected.name.test(line))
  expect(row, listed.stdout).toBeDefined()
  if (expected.file) expect(row).toContain(expected.file)
  expect(row).toMatch(/held by pid \d+/)
  const name = row!.split(/\s+/)[0]!
  const pid = Number(/held by pid (\d+)/.exec(row!)![1])
  expect((await isolane('enter', name, '--', 'cat', expected.notePath)).stdout).toBe(expected.note)
  expect((await isolane('enter', name, '--', 'hostname')).stdout.trim()).toBe(expected.hostname)
  // The host's own /tmp does not have it: what was kept is the worker's.
  expect(existsSync(expected.notePath)).toBe(false)
  expect((await isolane('rm', '--all')).stdout).toContain(`released ${name}`)
  expect(isAlive(pid)).toBe(false)
  expect(readdirSync(join(runtime, 'isolane', 'kept'))).toEqual([])
  expect((await isolane('ls')).stdout).toContain('No kept workers')
}

describe.skipIf(skip)("keep: 'on-failure'", () => {
  for (const way of ways) {
    for (const [label, isolate] of [['fresh workers', 'true'], ['reused workers', 'false']]) {
      it(`keeps the failed file's worker under the Vitest pool, and only its (${label}, way: ${way})`, async () => {
        const result = await runVitest('keeps-failed-worker', { env: { XDG_RUNTIME_DIR: runtime, ISOLANE_ISOLATE: isolate, ISOLANE_WAY: way }, args: ['--maxWorkers=1'] })
        expect(result.files.map((file) => [file.name, file.status])).toEqual([['fails-with-evidence.test.ts', 'failed'], ['passes.test.ts', 'passed']])
        expect(result.output).toMatch(/isolane: kept the namespaces of the worker of 1 failed file \(network, \/tmp, hostname, IPC\):\n {2}fails-with-evidence-w\d+: fails-with-evidence\.test\.ts, hostname kept-\d+\nStep in: isolane enter NAME/)
        const hostname = /hostname (kept-\d+)/.exec(result.output)![1]!
        await checkKeptAndRelease({ name: /^fails-with-evidence-w\d+ /, file: 'fails-with-evidence.test.ts', hostname, note: 'what the failed test saw\n', notePath: '/tmp/evidence.txt' })
      })
    }

    it(`keeps the failed file's worker under isolane-mocha (way: ${way})`, async () => {
      const result = await run(process.execPath, [isolaneMocha, '--jobs', '2', '--isolane-keep', 'on-failure', '--isolane-hostname', 'kept-{workerId}', '--isolane-way', way, '*.spec.cjs'], { cwd: join(root, 'fixtures/mocha/keeps-failed-worker') })
      expect(result.stdout).toMatch(/1 passing[^]*1 failing/)
      expect(result.stderr).toMatch(/isolane-mocha: kept the namespaces of the worker of 1 failed file/)
      const hostname = /hostname (kept-\d+)/.exec(result.stderr)![1]!
      await checkKeptAndRelease({ name: /^fails-with-evidence-w\d+ /, file: 'fails-with-evidence.spec.cjs', hostname, note: 'what the failed test saw\n', notePath: '/tmp/evidence.txt' })
    })

    it(`keeps the failed file's worker under the Jest runner (way: ${way})`, async () => {
      const result = await run(process.execPath, [jest, '--ci', '--maxWorkers=2', `--cacheDirectory=${join(runtime, 'jest-cache')}`], { cwd: join(root, 'fixtures/jest/keeps-failed-worker'), env: { ISOLANE_WAY: way } })
      expect(result.stderr).toMatch(/Tests: {7}1 failed, 1 passed, 2 total/)
      expect(result.stderr).toMatch(/@isolane\/jest: kept the namespaces of the worker of 1 failed file \(network, \/tmp, hostname, IPC\):\n {2}fails-with-evidence-w\d+: fails-with-evidence\.test\.cjs, hostname kept-\d+\nStep in: isolane enter NAME/)
      expect(result.status).toBe(1)
      const hostname = /hostname (kept-\d+)/.exec(result.stderr)![1]!
      await checkKeptAndRelease({ name: /^fails-with-evidence-w\d+ /, file: 'fails-with-evidence.test.cjs', hostname, note: 'what the failed test saw\n', notePath: '/tmp/evidence.txt' })
    })

    it(`keeps a command's namespaces with isolane run --keep NAME, whatever its status (way: ${way})`, async () => {
      const result = await isolane('run', '--way', way, '--hostname', 'box', '--keep', 'debug-run', '--', 'sh', '-c', 'echo kept > /tmp/isolane-keep-note; exit 3')
      expect(result.status).toBe(3)
      expect(result.stderr).toContain('isolane: kept the namespaces of `sh -c echo kept > /tmp/isolane-keep-note; exit 3` as debug-run: isolane enter debug-run')
      await checkKeptAndRelease({ name: /^debug-run /, file: undefined, hostname: 'box', note: 'kept\n', notePath: '/tmp/isolane-keep-note' })
    })
  }

  it('is refused with the pid kind, whose processes all end with the worker, before anything runs', async () => {
    const mocha = await run(process.execPath, [isolaneMocha, '--isolane-keep', 'on-failure', '--isolane-namespaces', 'net,mnt,pid', '*.spec.cjs'], { cwd: join(root, 'fixtures/mocha/keeps-failed-worker') })
    expect(mocha.stderr).toContain('--isolane-keep on-failure keeps a failed worker\'s namespaces through a process left in them, and with the pid kind every process of a worker ends with it')
    expect(mocha.status).not.toBe(0)
    const cliRun = await isolane('run', '--keep', 'x', '--net', '--pid', '--', 'true')
    expect(cliRun.stderr).toContain('--keep holds the namespaces with a process left in them')
    expect(cliRun.status).toBe(2)
    expect((await isolane('enter', 'no-such-worker')).stderr).toContain('No kept worker is named "no-such-worker"')
  })
})
