import { describe, expect, it } from 'vitest'
import { pairedDifferences, rotated, stageCosts, summarizeVariants } from './cycles.js'

// Three cycles of three variants: b is a's time plus 10, c is b's plus 5; mainUs likewise.
const cycles = [100, 120, 110].map((plain) => ({
  a: { readyUs: plain, mainUs: plain - 20 },
  b: { readyUs: plain + 10, mainUs: plain - 12 },
  c: { readyUs: plain + 15, mainUs: plain - 8 },
}))

describe('cycles of variants', () => {
  it('rotates the order so that each variant goes first in turn', () => {
    expect([0, 1, 2, 3].map((k) => rotated(['a', 'b', 'c'], k))).toEqual([
      ['a', 'b', 'c'],
      ['b', 'c', 'a'],
      ['c', 'a', 'b'],
      ['a', 'b', 'c'],
    ])
    expect(rotated([], 5)).toEqual([])
  })

  it('compares every variant with the baseline of its own cycle', () => {
    const s = summarizeVariants(cycles, ['a', 'b', 'c'], 'a')
    expect(s.a.ratio).toBeUndefined()
    expect(s.a.readyUs).toMatchObject({ n: 3, median: 110 })
    expect(s.b.overBaselineUs).toMatchObject({ median: 10, p10: 10, p90: 10 })
    expect(s.c.ratio.median).toBeCloseTo(125 / 110, 2)
    expect(s.c.mainUs.median).toBe(102)
  })

  it('leaves out a cycle that lacks the variant or the baseline', () => {
    const partial = [...cycles, { a: { readyUs: 1000, mainUs: 1 } }]
    expect(summarizeVariants(partial, ['a', 'b'], 'a').b.ratio.n).toBe(3)
    expect(pairedDifferences(partial, 'b', 'a', 'readyUs')).toEqual([10, 10, 10])
  })

  it('costs each stage as the paired difference of the variants with and without it, in both views', () => {
    const stages = stageCosts(cycles, [
      { name: 'first', label: 'first', with: 'b', without: 'a' },
      { name: 'second', label: 'second', with: 'c', without: 'b' },
      { name: 'absent', label: 'not measured', with: 'd', without: 'a' },
    ])
    expect(stages.map((s) => s.name)).toEqual(['first', 'second'])
    expect(stages[0]).toMatchObject({ readyUs: { median: 10 }, mainUs: { median: 8 } })
    expect(stages[1]).toMatchObject({ readyUs: { median: 5 }, mainUs: { median: 4 } })
  })
})
