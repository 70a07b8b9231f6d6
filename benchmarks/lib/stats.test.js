import { describe, expect, it } from 'vitest'
import { pairedRatios, quantile, round3, summarize } from './stats.js'

describe('stats', () => {
  it('interpolates quantiles between order statistics', () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5)
    expect(quantile([10, 20, 30, 40, 50], 0.1)).toBe(14)
    expect(quantile([], 0.5)).toBeNaN()
  })

  it('summarizes with median and p10-p90, unmoved by one outlier', () => {
    const s = summarize([1, 2, 3, 4, 1000])
    expect(s).toMatchObject({ n: 5, median: 3, min: 1, max: 1000 })
    expect(summarize([])).toMatchObject({ n: 0, median: null })
  })

  it('puts a 95% interval around the median, narrower than p10-p90 and containing the median', () => {
    const values = Array.from({ length: 150 }, (_, i) => i + 1)
    const s = summarize(values)
    expect(s.ciLow).toBeLessThanOrEqual(s.median)
    expect(s.ciHigh).toBeGreaterThanOrEqual(s.median)
    expect(s.ciLow).toBeGreaterThan(s.p10)
    expect(s.ciHigh).toBeLessThan(s.p90)
    expect(summarize([1, 2, 3]).ciLow).toBe(null)
  })

  it('takes ratios pair by pair, skipping empty baselines', () => {
    expect(pairedRatios([2, 3, 4], [1, 0, 2])).toEqual([2, 2])
  })

  it('rounds to three significant digits', () => {
    expect(round3(1234.5)).toBe(1235)
    expect(round3(1.23456)).toBe(1.23)
    expect(round3(0.0123456)).toBe(0.0123)
    expect(round3(null)).toBe(null)
  })
})
