import { describe, expect, it } from 'vitest'
import { sideBySide, suiteResult, suiteResultsPath } from './suite-result.js'

const measured = {
  wallMs: { iso: [110, 120, 105], stock: [100, 100, 100], serial: [200, 210, 190] },
  cpuMs: { iso: [60, 70, 50], stock: [50, 50, 50], serial: [40, 40, 40] },
  loadAverageByRound: [1, 2, 3],
}
const result = suiteResult({ benchmark: 'x-suite', quick: false, suite: { files: 10, rounds: 3 }, variants: ['iso', 'stock', 'serial'], isolane: 'iso', stock: 'stock', compare: [['iso', 'serial']], target: 1.1, measured })

describe('a suite result', () => {
  it('takes the headline ratio pair by pair within the rounds, with the ratio of the medians beside it', () => {
    expect(result.ratio).toMatchObject({ of: 'iso / stock', median: 1.1, perRound: [1.1, 1.2, 1.05], ofMedians: 1.1, ciLow: null, ciHigh: null, n: 3 })
    expect(result.ratio.method).toBe("median of the rounds' own ratios (iso and stock side by side in each round)")
  })

  it('compares every variant with the stock runner, then the pairs the suite adds, in wall and CPU time', () => {
    expect(result.comparisons.map((c) => c.of)).toEqual(['iso / stock', 'serial / stock', 'iso / serial'])
    expect(result.comparisons[0].cpu).toMatchObject({ median: 1.2, ofMedians: 1.2 })
    expect(result.cpuPerFileOverStockMs).toEqual({ iso: 1, serial: -1 })
  })

  it("keeps each variant's median, spread and samples, in the suite's order", () => {
    expect(result.variants).toEqual(['iso', 'stock', 'serial'])
    expect(result.wallMs.iso).toEqual({ median: 110, p10: 106, p90: 118, samples: [110, 120, 105] })
    expect(result.loadAverageByRound).toEqual([1, 2, 3])
  })

  it('says in a sentence how the pair went side by side', () => {
    expect(sideBySide(result)).toContain('Side by side, iso / stock was 1.100 in the median round; iso was slower in 3 of 3 rounds, and the stock runs alone varied by 0% between rounds')
  })

  it('goes beside the full results when quick, never over them', () => {
    expect(suiteResultsPath('mocha-suite', { quick: false })).toMatch(/benchmarks\/results\/mocha-suite\.json$/)
    expect(suiteResultsPath('mocha-suite', { quick: true })).toMatch(/benchmarks\/results\/mocha-suite\.quick\.json$/)
  })
})
