import { describe, expect, it } from 'vitest'
import { roundOrder, runRounds } from './suite-harness.js'

const names = (variants) => variants.map((v) => v.name)
const v = (...list) => list.map((name) => ({ name }))

describe('the rounds of a suite', () => {
  it("rotates every variant one place on each round, so that none always runs first or last", () => {
    const variants = v('a', 'b', 'c')
    expect([0, 1, 2, 3].map((round) => names(roundOrder(variants, round, 'rotating')))).toEqual([['a', 'b', 'c'], ['b', 'c', 'a'], ['c', 'a', 'b'], ['a', 'b', 'c']])
  })

  it('runs the compared pair back to back, which one first alternating, and the others after it', () => {
    const variants = v('isolane', 'forks', 'serial')
    expect([0, 1, 2].map((round) => names(roundOrder(variants, round, 'pair first')))).toEqual([['isolane', 'forks', 'serial'], ['forks', 'isolane', 'serial'], ['isolane', 'forks', 'serial']])
  })

  it('warms up each variant once untimed, then times every variant once a round', async () => {
    const ran = []
    const lines = []
    const measured = await runRounds({ variants: v('a', 'b'), rounds: 2, warmUp: true, order: 'pair first', pair: ['a', 'b'], run: async ({ name }) => ran.push(name), log: (line) => lines.push(line) })
    expect(ran).toEqual(['a', 'b', 'a', 'b', 'b', 'a'])
    expect(measured.wallMs.a).toHaveLength(2)
    expect(measured.cpuMs.b).toHaveLength(2)
    expect(measured.loadAverageByRound).toHaveLength(2)
    expect(lines[1]).toMatch(/^round 2\/2: b \d+ ms, a \d+ ms; a \/ b /)
  })
})
