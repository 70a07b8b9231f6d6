// End to end: `isolane-mocha --shard=i/n`, real runs over fixtures/mocha/mixed-outcomes (four spec
// files with passes, failures, pending tests, root hooks and global fixtures), read through Mocha's
// json reporter: for n = 1..4 the shards' files partition the suite's, and their totals add up to
// the unsharded run's, in both modes and whatever order the files are listed in.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chooseWay, createPlan } from '@isolane/core'

const root = join(import.meta.dirname, '..')
const cwd = join(root, 'fixtures/mocha/mixed-outcomes')
const isolaneMocha = join(root, 'packages/mocha/bin/isolane-mocha.js')

const capability = chooseWay(createPlan({}))
const skipReason = capability.ok ? undefined : `workers cannot get fresh namespaces here (${capability.error.code}): ${capability.error.message}`
if (skipReason) console.warn(`isolane-mocha --shard tests skipped: ${skipReason}`)

let scratch = ''
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'isolane-mocha-shard-'))
})
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

interface Report {
  status: number | null
  stderr: string
  stats: { tests: number; passes: number; pending: number; failures: number }
  /** The spec files the report names (a test's or a failed hook's), relative to the fixture. */
  files: string[]
}

let runs = 0
/** One isolane-mocha run with the json reporter written to a file (stdout has the global fixtures' lines). */
function run(args: string[]): Promise<Report> {
  const output = join(scratch, `report-${++runs}.json`)
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [isolaneMocha, '--jobs', '2', '--reporter', 'json', '--reporter-option', `output=${output}`, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 },
      (error, _stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : null) : 0
        const report = JSON.parse(readFileSync(output, 'utf8')) as { stats: Report['stats']; tests: Array<{ file?: string }>; failures: Array<{ file?: string }> }
        const files = [...new Set([...report.tests, ...report.failures].map((test) => test.file?.slice(cwd.length + 1) ?? '?'))].sort()
        resolve({ status, stderr, stats: report.stats, files })
      },
    )
  })
}

const TOTALS = ['tests', 'passes', 'pending', 'failures'] as const

function sum(reports: readonly Report[]): Report['stats'] {
  const total = { tests: 0, passes: 0, pending: 0, failures: 0 }
  for (const report of reports) for (const key of TOTALS) total[key] += report.stats[key]
  return total
}

describe.skipIf(skipReason !== undefined)('isolane-mocha --shard', () => {
  it('for n = 1..4, the n shards run every spec file exactly once, and their totals add up to the unsharded run\'s', async () => {
    const counts = [1, 2, 3, 4]
    const [whole, ...sharded] = await Promise.all([run([]), ...counts.map((n) => Promise.all(Array.from({ length: n }, (_, i) => run([`--shard=${i + 1}/${n}`]))))])
    expect(whole!.files).toEqual(['test/failing.spec.cjs', 'test/hooks.spec.cjs', 'test/pending.spec.cjs', 'test/retries.spec.cjs'])
    expect(whole!.stats).toMatchObject({ tests: 13, passes: 5, pending: 4, failures: 5 })
    for (const [i, shards] of sharded.entries()) {
      const n = counts[i]!
      const files = shards.flatMap((shard) => shard.files)
      expect(files.sort(), `n = ${n}: the shards' files`).toEqual(whole!.files)
      for (const shard of shards) {
        expect(shard.files.length, `n = ${n}`).toBeGreaterThan(0)
        // Mocha's exit code: the shard's own failures.
        expect(shard.status).toBe(shard.stats.failures)
      }
      expect(sum(shards), `n = ${n}: the shards' totals`).toEqual({ tests: 13, passes: 5, pending: 4, failures: 5 })
    }
  })

  it('splits alike with a fresh worker per file, and whatever order the files are listed in', async () => {
    // The directory's config lists the files by a glob; here they are given one by one, backwards.
    const listed = ['--no-config', '--require', './root-hooks.cjs', '--require', './global-fixtures.cjs', ...['retries', 'pending', 'hooks', 'failing'].map((name) => `test/${name}.spec.cjs`)]
    const [reused, fresh] = await Promise.all([
      Promise.all([run(['--shard=1/2']), run(['--shard', '2/2'])]),
      Promise.all([run(['--isolane-no-reuse-workers', '--shard=1/2', ...listed]), run(['--isolane-no-reuse-workers', '--shard=2/2', ...listed])]),
    ])
    expect(fresh.map((shard) => shard.files)).toEqual(reused.map((shard) => shard.files))
    for (const shards of [reused, fresh]) expect(sum(shards)).toEqual({ tests: 13, passes: 5, pending: 4, failures: 5 })
  })
})

describe('isolane-mocha --shard refusals, before any worker starts', () => {
  function refusal(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [isolaneMocha, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      )
    })
  }

  it('refuses 0/3, 4/3, a/b and more shards than files, naming the flag, with Mocha\'s exit code for a bad option', async () => {
    const [zero, over, words, tooMany] = await Promise.all([refusal(['--shard=0/3']), refusal(['--shard', '4/3']), refusal(['--shard=a/b']), refusal(['--shard=1/5'])])
    expect(zero.stderr).toMatch(/isolane-mocha: Option --shard takes <index>\/<count> with 1 <= index <= count, as Vitest's --shard does, not "0\/3": shards are numbered from 1\. To fix:/)
    expect(over.stderr).toMatch(/not "4\/3": there are only 3 shards\./)
    expect(words.stderr).toMatch(/not "a\/b": index and count are whole numbers\./)
    expect(tooMany.stderr).toMatch(/--shard=1\/5 splits the spec files into 5 shards, but only 4 spec files were found, so some shards would run nothing/)
    for (const result of [zero, over, words, tooMany]) {
      // No global setup ran, no worker started, no report.
      expect(result.stdout).not.toMatch(/global setup|passing|failing/)
      expect(result.status).toBe(1)
    }
  })
})
