import { describe, expect, it } from 'vitest'
import { buildTables } from './report/tables.js'
import { suiteResult } from './suite-result.js'
import { SUITES, summarizeSuite } from './suites.js'
import { evaluateTargets } from './targets.js'

const vitest = SUITES.find((s) => s.name === 'vitest')
const mocha = SUITES.find((s) => s.name === 'mocha')

/** A suite's result as its script writes it, from samples by variant (wall; CPU the same). */
function result(definition, { variants, isolane, stock, wallMs, suite = {}, explanation }) {
  const measured = { wallMs, cpuMs: wallMs, loadAverageByRound: [] }
  const rounds = Object.values(wallMs)[0].length
  return suiteResult({ benchmark: definition.benchmark, quick: false, suite: { files: 60, rounds, ...suite }, variants, isolane, stock, target: definition.target, measured, explanation })
}

describe("reading the suite scripts' results", () => {
  it("reads each runner's median and spread, and the paired ratio with its method and 95% interval", () => {
    const wallMs = { isolane: [2500, 2541, 2600, 2550, 2530, 2520], forks: [2450, 2480, 2500, 2460, 2470, 2490], serial: [4476, 4400, 4500, 4480, 4490, 4470] }
    const s = summarizeSuite(result(vitest, { variants: ['isolane', 'forks', 'serial'], isolane: 'isolane', stock: 'forks', wallMs }))
    expect(s).toMatchObject({ isolane: 'isolane', stock: 'forks', ratio: 1.02, size: '60 files, 6 rounds', ratioSource: "median of the rounds' own ratios (isolane and forks side by side in each round)" })
    expect(s.ratioInterval).toEqual({ low: expect.any(Number), high: expect.any(Number) })
    expect(s.rows.map((r) => r.name)).toEqual(['isolane', 'forks', 'serial'])
    expect(s.rows[0]).toMatchObject({ medianMs: 2536, runs: 6 })
  })

  it('has no interval below 6 rounds, and shows the explanation as why', () => {
    const wallMs = { 'isolane-mocha': [7613], 'mocha --parallel': [956], 'mocha (serial)': [419] }
    const s = summarizeSuite(result(mocha, { variants: Object.keys(wallMs), isolane: 'isolane-mocha', stock: 'mocha --parallel', wallMs, explanation: 'a fresh process per file' }))
    expect(s).toMatchObject({ isolane: 'isolane-mocha', stock: 'mocha --parallel', ratio: 7.96, size: '60 files, 1 round', why: 'a fresh process per file' })
    expect(s.ratioInterval).toBeUndefined()
  })

  it('names every suite with its results file and its target: the run without root at 1.08x, isolane-mocha at 1.10x', () => {
    expect(SUITES.map((s) => [s.name, s.benchmark, s.target])).toEqual([
      ['vitest', 'vitest-suite', 1.05],
      ['vitest (isolate: false)', 'vitest-no-isolate-suite', 1.05],
      ['vitest (isolate: false, files that work)', 'vitest-no-isolate-work-suite', 1.05],
      ['vitest (no root)', 'vitest-rootless-suite', 1.08],
      ['mocha', 'mocha-suite', 1.1],
      ['jest', 'jest-suite', 1.1],
    ])
    expect(SUITES.find((s) => s.id === 'vitest-rootless').args).toEqual(['--rootless'])
    expect(SUITES.find((s) => s.id === 'vitest-no-isolate').args).toEqual(['--no-isolate'])
    expect(SUITES.find((s) => s.id === 'vitest-no-isolate-work').args).toEqual(['--no-isolate', '--work'])
  })

  it('checks the isolate: false suite against its 1.05x target, and says in the table what it is', () => {
    const noIsolate = SUITES.find((s) => s.id === 'vitest-no-isolate')
    const wallMs = { isolane: [1723, 1730, 1700, 1710, 1740, 1720, 1725, 1715], forks: [1585, 1590, 1580, 1570, 1600, 1585, 1575, 1590], serial: [1592, 1600, 1590, 1580, 1610, 1590, 1585, 1600] }
    const summary = { ...noIsolate, ...summarizeSuite(result(noIsolate, { variants: ['isolane', 'forks', 'serial'], isolane: 'isolane', stock: 'forks', wallMs, suite: { isolate: false } })) }
    expect(summary).toMatchObject({ isolane: 'isolane', stock: 'forks', ratio: 1.09, size: '60 files, 8 rounds' })
    const target = evaluateTargets({ suites: { suites: [summary] } }).find((t) => t.id.startsWith('suite-'))
    expect(target).toMatchObject({ id: 'suite-vitest-no-isolate', label: 'vitest (isolate: false) suite: isolane within 1.05x of the stock parallel runner', met: false })
    const mochaRun = result(mocha, { variants: ['isolane-mocha', 'mocha --parallel'], isolane: 'isolane-mocha', stock: 'mocha --parallel', wallMs: { 'isolane-mocha': [800], 'mocha --parallel': [600] } })
    const table = buildTables({ sections: { suites: { suites: [summary, { ...mocha, ...summarizeSuite(mochaRun) }] } }, targets: [] }).find((t) => t.title.startsWith('4.'))
    expect(table.note).toContain('Targets, isolane / the stock parallel runner: vitest (isolate: false) <= 1.05x; mocha <= 1.1x.')
    expect(table.note).toContain("both runners with Vitest's isolate: false")
    expect(table.rows.filter((r) => r[0].startsWith('vitest (isolate: false)')).map((r) => r[1])).toEqual(['isolane', 'forks', 'serial'])
  })

  it('says what the files that work do, when that suite is in the table', () => {
    const work = SUITES.find((s) => s.id === 'vitest-no-isolate-work')
    const raw = result(work, { variants: ['isolane', 'forks'], isolane: 'isolane', stock: 'forks', wallMs: { isolane: [1800], forks: [1700] }, suite: { isolate: false } })
    const table = buildTables({ sections: { suites: { suites: [{ ...work, ...summarizeSuite(raw), raw }] } }, targets: [] }).find((t) => t.title.startsWith('4.'))
    expect(table.note).toContain('Files that work: --work, each file also does about 17 ms of CPU work')
    expect(table.note).toContain('vitest (isolate: false, files that work) <= 1.05x')
    expect(table.rows.map((r) => r[0])).toEqual(['vitest (isolate: false, files that work) (60 files, 1 round)', 'vitest (isolate: false, files that work) (60 files, 1 round)'])
  })

  it('names the user the suite without root ran as', () => {
    const rootless = SUITES.find((s) => s.id === 'vitest-rootless')
    const raw = result(rootless, { variants: ['isolane', 'forks'], isolane: 'isolane', stock: 'forks', wallMs: { isolane: [19500], forks: [19000] }, suite: { runAs: 'isolane-bench (uid 1009, through runuser)' } })
    const table = buildTables({ sections: { suites: { suites: [{ ...rootless, ...summarizeSuite(raw), raw }] } }, targets: [] }).find((t) => t.title.startsWith('4.'))
    expect(table.note).toContain('both runners started by isolane-bench (uid 1009, through runuser)')
  })

  it('says so when the results are not in the suite results shape', () => {
    expect(summarizeSuite({ medians: { isolane: 1, forks: 1 } })).toMatchObject({ rows: [], ratio: null, note: expect.stringContaining('run the suite script again') })
  })
})
