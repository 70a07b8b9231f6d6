// Cycles of variants measured side by side: each cycle runs every variant once, the order
// rotating from cycle to cycle, and every variant is compared with the baseline of its own cycle
// (a paired ratio and a paired difference), as section 2 compares its pairs.
import { pairedRatios, rounded, summarize } from './stats.js'

/** `list` rotated left by `k`: cycle k starts with variant k mod n, so each goes first as often. */
export function rotated(list, k) {
  const n = list.length
  if (n === 0) return []
  const shift = ((k % n) + n) % n
  return [...list.slice(shift), ...list.slice(0, shift)]
}

/** Paired differences a - b, cycle by cycle, over the cycles that have both. */
export function pairedDifferences(cycles, a, b, field) {
  return cycles.filter((c) => c[a] && c[b]).map((c) => c[a][field] - c[b][field])
}

/**
 * Per variant: its times, its paired ratio and difference to the baseline, and the child's own
 * time until its main module ran. `cycles` is `[{ [variant]: { readyUs, mainUs } }]`.
 */
export function summarizeVariants(cycles, variants, baseline) {
  const out = {}
  for (const name of variants) {
    const both = cycles.filter((c) => c[name] && c[baseline])
    const ready = both.map((c) => c[name].readyUs)
    const base = both.map((c) => c[baseline].readyUs)
    const main = both.map((c) => c[name].mainUs).filter((v) => typeof v === 'number')
    out[name] = {
      readyUs: rounded(summarize(ready)),
      mainUs: rounded(summarize(main)),
      ...(name !== baseline && {
        ratio: rounded(summarize(pairedRatios(ready, base))),
        overBaselineUs: rounded(summarize(ready.map((v, k) => v - base[k]))),
      }),
    }
  }
  return out
}

/**
 * What each stage costs, as the paired difference between the variant with it and the variant
 * without it (same cycle): `stages` is `[{ name, with, without }]`. Both the parent's view (time
 * to the first message) and the child's own (time until its main module ran).
 */
export function stageCosts(cycles, stages) {
  return stages
    .filter((s) => cycles.some((c) => c[s.with] && c[s.without]))
    .map((s) => ({
      ...s,
      readyUs: rounded(summarize(pairedDifferences(cycles, s.with, s.without, 'readyUs'))),
      mainUs: rounded(summarize(pairedDifferences(cycles, s.with, s.without, 'mainUs').filter(Number.isFinite))),
    }))
}
