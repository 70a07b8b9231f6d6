/**
 * The candidates a mistyped word most likely meant (`--hostnme`: `--hostname`): the closest ones,
 * when at most a third of their letters (two at least) are edited; else the one it starts.
 */
export function closest(word: string, candidates: readonly string[]): string[] {
  const distances = candidates.map((candidate) => ({ candidate, distance: editDistance(word, candidate) }))
  const near = distances.filter(({ candidate, distance }) => distance <= Math.max(2, Math.floor(candidate.replace(/^-+/, '').length / 3)))
  const best = Math.min(...near.map(({ distance }) => distance))
  if (near.length > 0) return near.filter(({ distance }) => distance === best).map(({ candidate }) => candidate)
  const started = word.replace(/^-+/, '').length >= 2 ? candidates.filter((candidate) => candidate.startsWith(word)) : []
  return started.length === 1 ? started : []
}

/** ` did you mean --net or --mount?`, or '' when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const meant = closest(word, candidates)
  return meant.length === 0 ? '' : `did you mean ${meant.length === 1 ? meant[0] : `${meant.slice(0, -1).join(', ')} or ${meant.at(-1)}`}?`
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
