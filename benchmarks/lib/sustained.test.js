import { describe, expect, it } from 'vitest'
import { pilesUp } from './sustained.js'

const series = (counts) => counts.map((n, i) => [i * 100, n])

describe('pilesUp', () => {
  it('sees a count that keeps rising through the run', () => {
    expect(pilesUp(series(Array.from({ length: 30 }, (_, i) => 30 + i * 10)))).toBe(true)
  })

  it('is not fooled by spikes, nor by the flat start before the first window', () => {
    expect(pilesUp(series([43, 43, 43, 43, 43, 43, 29, 70, 140, 139, 79, 48, 51, 59, 48, 34, 36, 57, 70, 77, 91, 51, 43, 63, 70, 60, 126, 98]))).toBe(false)
  })

  it('has no verdict on too few samples', () => {
    expect(pilesUp(series([30, 40, 50]))).toBe(null)
    expect(pilesUp(series([30, 30, 30, 30, 30, 30, 30]))).toBe(null)
  })
})
