/**
 * The candidate a mistyped word most likely meant (`--hostnme`: `--hostname`), or undefined when
 * none is close: at most a third of its letters edited (two at least), or the start of exactly one.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate)
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance]
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(best.replace(/^-+/, '').length / 3))) return best
  const started = word.replace(/^-+/, '').length >= 2 ? candidates.filter((candidate) => candidate.startsWith(word)) : []
  return started.length === 1 ? started[0] : undefined
}

/** Levenshtein distance, with a swap of two neighbours counted as one edit (`--hsotname`). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1)
      rows[i]![j] = d
    }
  }
  return rows[a.length]![b.length]!
}
