import { describe, expect, it } from 'vitest'
import { buildTables } from './report/tables.js'
import { SUITES, summarizeSuite } from './suites.js'
import { evaluateTargets } from './targets.js'

const vitest = SUITES.find((s) => s.name === 'vitest')
const mocha = SUITES.find((s) => s.name === 'mocha')

describe('reading the suite scripts\' JSON', () => {
  it('reads medians keyed by runner and the script\'s own ratio (Vitest suite shape)', () => {
    const raw = { medians: { isolane: 2541, forks: 2059, serial: 4476 }, ratios: { isolaneOverForks: 1.234, isolaneOverSerial: 0.568 }, samples: { isolane: [2500, 2541, 2600], forks: [2059], serial: [4476] } }
    const s = summarizeSuite(vitest, raw)
    expect(s).toMatchObject({ isolane: 'isolane', stock: 'forks', ratio: 1.23, ratioSource: 'computed by the suite script' })
    expect(s.rows.find((r) => r.name === 'isolane')).toMatchObject({ medianMs: 2541, runs: 3 })
  })

  it('describes the script\'s ratio by its ratioMethod and ratioInterval where it gives them', () => {
    const raw = { medians: { isolane: 2541, forks: 2059 }, ratios: { isolaneOverForks: 1.02 }, ratioMethod: 'median of the rounds\' own ratios', ratioInterval: { low: 0.991, high: 1.0789 } }
    expect(summarizeSuite(vitest, raw)).toMatchObject({ ratio: 1.02, ratioSource: 'median of the rounds\' own ratios', ratioInterval: { low: 0.991, high: 1.08 } })
  })

  it('picks the stock parallel runner, not the serial one or an isolane variant (Mocha suite shape)', () => {
    const raw = {
      medianMs: { 'isolane-mocha': 7613, 'isolane-mocha, no namespaces': 5755, 'mocha --parallel': 956, 'mocha (serial)': 419 },
      samplesMs: { 'isolane-mocha': [7613] },
      explanation: 'a fresh process per file',
    }
    const s = summarizeSuite(mocha, raw)
    expect(s).toMatchObject({ isolane: 'isolane-mocha', stock: 'mocha --parallel', ratio: 7.96, ratioSource: 'ratio of medians', why: 'a fresh process per file' })
  })

  it('reads the suite run without root, which has no serial runner, with its own target', () => {
    const rootless = SUITES.find((s) => s.id === 'vitest-rootless')
    expect(rootless).toMatchObject({ args: ['--rootless'], target: 1.08, results: 'benchmarks/results/vitest-rootless-suite.json' })
    const raw = { rootless: true, medians: { isolane: 19500, forks: 19000 }, ratios: { isolaneOverForks: 1.031 }, ratioInterval: { low: 1.001, high: 1.06 }, rounds: 10, suite: { files: 60 } }
    expect(summarizeSuite(rootless, raw)).toMatchObject({ isolane: 'isolane', stock: 'forks', ratio: 1.03, ratioInterval: { low: 1, high: 1.06 }, size: '60 files, 10 rounds' })
  })

  it('reads the isolate: false suite (both runners reusing workers) with the 1.05x target, and isolane-mocha with its 1.10x', () => {
    const noIsolate = SUITES.find((s) => s.id === 'vitest-no-isolate')
    expect(noIsolate).toMatchObject({ script: 'benchmarks/vitest-suite.js', args: ['--no-isolate'], target: 1.05, results: 'benchmarks/results/vitest-no-isolate-suite.json' })
    expect(mocha.target).toBe(1.1)
    const raw = { isolate: false, medians: { isolane: 1723, forks: 1585, serial: 1592 }, ratios: { isolaneOverForks: 1.0914 }, ratioInterval: { low: 1.055, high: 1.196 }, rounds: 8, suite: { files: 60 } }
    const summary = { ...noIsolate, ...summarizeSuite(noIsolate, raw) }
    expect(summary).toMatchObject({ isolane: 'isolane', stock: 'forks', ratio: 1.09, size: '60 files, 8 rounds' })
    const target = evaluateTargets({ suites: { suites: [summary] } }).find((t) => t.id.startsWith('suite-'))
    expect(target).toMatchObject({ id: 'suite-vitest-no-isolate', label: 'vitest (isolate: false) suite: isolane within 1.05x of the stock parallel runner', met: false })
    const table = buildTables({ sections: { suites: { suites: [summary, { ...mocha, ...summarizeSuite(mocha, { medianMs: { 'isolane-mocha': 800, 'mocha --parallel': 600 } }) }] } }, targets: [] }).find((t) => t.title.startsWith('4.'))
    expect(table.note).toContain('Targets, isolane / the stock parallel runner: vitest (isolate: false) <= 1.05x; mocha <= 1.1x.')
    expect(table.note).toContain('both runners with Vitest\'s isolate: false')
    expect(table.rows.filter((r) => r[0].startsWith('vitest (isolate: false)')).map((r) => r[1])).toEqual(['isolane', 'forks', 'serial'])
  })

  it('reads an array of runners with medians in µs', () => {
    const s = summarizeSuite(vitest, { runners: [{ name: 'isolane pool', medianUs: 1_100_000 }, { name: 'forks pool', medianUs: 1_000_000 }] })
    expect(s.ratio).toBe(1.1)
  })

  it('says so when it finds no runner', () => {
    expect(summarizeSuite(vitest, { hello: 1 })).toMatchObject({ rows: [], note: expect.stringContaining('no runner') })
  })
})
