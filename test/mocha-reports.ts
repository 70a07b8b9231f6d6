// Mocha's JSON reporter output, as the Mocha tests compare a plain run with isolane-mocha's: the
// same counts, the same titles in each outcome, the same failure messages.
import { expect } from 'vitest'

export interface JsonReport {
  stats: { tests: number; passes: number; pending: number; failures: number }
  passes: Array<{ fullTitle: string }>
  failures: Array<{ fullTitle: string; err: { message?: string } }>
  pending: Array<{ fullTitle: string }>
}

export function titles(report: JsonReport, kind: 'passes' | 'failures' | 'pending'): string[] {
  return report[kind].map((test) => test.fullTitle).sort()
}

/** Asserts that `actual` reports what `expected` (the plain Mocha run) does. */
export function expectSameOutcomes(actual: JsonReport, expected: JsonReport): void {
  for (const key of ['tests', 'passes', 'pending', 'failures'] as const) expect(actual.stats[key], key).toBe(expected.stats[key])
  for (const kind of ['passes', 'failures', 'pending'] as const) expect(titles(actual, kind), kind).toEqual(titles(expected, kind))
  expect(actual.failures.map((failure) => failure.err.message).sort()).toEqual(expected.failures.map((failure) => failure.err.message).sort())
}
