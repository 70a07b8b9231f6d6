// Order statistics over repeated samples: medians and spread, never means (one slow outlier,
// a page fault or a kernel worker waking up, would move a mean and says nothing typical).

/** The q-quantile (0..1) of `values` by linear interpolation between order statistics. */
export function quantile(values, q) {
  if (values.length === 0) return Number.NaN
  const sorted = Float64Array.from(values).sort()
  const at = (sorted.length - 1) * q
  const low = Math.floor(at)
  const high = Math.ceil(at)
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low)
}

export const median = (values) => quantile(values, 0.5)

/**
 * A 95% confidence interval of the median from order statistics (no assumption about the
 * distribution): the ranks n/2 -+ 1.96 sqrt(n)/2. Where the median itself can lie, which is much
 * narrower than where single samples lie (p10-p90).
 */
export function medianInterval(values) {
  const n = values.length
  if (n < 6) return { low: null, high: null }
  const sorted = Float64Array.from(values).sort()
  const half = (1.96 * Math.sqrt(n)) / 2
  const low = Math.max(0, Math.floor(n / 2 - half) - 1)
  const high = Math.min(n - 1, Math.ceil(n / 2 + half))
  return { low: sorted[low], high: sorted[high] }
}

/** Median with its 95% interval, p10 and p90 (the spread shown everywhere), min, max and the count. */
export function summarize(values) {
  if (values.length === 0) return { n: 0, median: null, ciLow: null, ciHigh: null, p10: null, p90: null, min: null, max: null }
  let min = Infinity
  let max = -Infinity
  for (const v of values) {
    if (v < min) min = v
    if (v > max) max = v
  }
  const interval = medianInterval(values)
  return { n: values.length, median: quantile(values, 0.5), ciLow: interval.low, ciHigh: interval.high, p10: quantile(values, 0.1), p90: quantile(values, 0.9), min, max }
}

/** Element-wise ratios of two equally long series taken pair by pair (same round, same run). */
export function pairedRatios(numerators, denominators) {
  const ratios = []
  for (let i = 0; i < Math.min(numerators.length, denominators.length); i++)
    if (denominators[i] > 0) ratios.push(numerators[i] / denominators[i])
  return ratios
}

/** Rounds a number for JSON and tables: 3 significant digits is what these measurements carry. */
export function round3(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return value ?? null
  if (value === 0) return 0
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))))
  return Number(value.toFixed(Math.min(digits, 6)))
}

/** A summary with every number rounded, for output. */
export function rounded(summary) {
  return Object.fromEntries(Object.entries(summary).map(([key, value]) => [key, typeof value === 'number' ? round3(value) : value]))
}
