// The one shape every suite script (../*-suite.js) writes to results/NAME.json (a --quick run to
// results/NAME.quick.json, beside the committed full results, never over them) and the runner
// (suites.js) reads. Built here from what the harness measured (suite-harness.js), so that every
// suite states its numbers with the same statistics:
//
//   schema        SUITE_SCHEMA (1)
//   benchmark     the file's name: 'vitest-suite', 'vitest-no-isolate-suite', 'mocha-suite', ...
//   date, quick   when it ran; whether it was a --quick smoke run
//   machine       { node, kernel, cpus, cpuModel, loadAverageAtEnd }
//   suite         { files, rounds, warmUp, order, ...what the suite adds (jobs, maxWorkers, runAs, isolate, what) }
//   variants      the runners' names, in the suite's order
//   isolane, stock  the variant reported and the stock parallel runner it is compared to
//   target        isolane / stock at most this (lib/targets.js)
//   wallMs        { [variant]: { median, p10, p90, samples } }: wall time of each run, one sample a round
//   cpuMs         the same for CPU time (user + system) of each run with all its processes
//   cpuPerFileOverStockMs  { [variant]: (its CPU median - stock's) / files }: what it costs a file
//   ratio         the headline, isolane / stock: { of, method, median, ciLow, ciHigh, p10, p90, min,
//                 max, n, perRound, ofMedians }: the median of the rounds' own ratios, its 95% interval
//                 (null below 6 rounds), and the ratio of the medians beside it
//   comparisons   [{ of: 'A / B', wall, cpu }]: each variant over stock, then the suite's own pairs,
//                 each { median, ciLow, ciHigh, p10, p90, min, max, n, perRound, ofMedians } as the
//                 ratio, cpu null where the suite kept no CPU samples
//   loadAverageByRound  the 1-minute load average after each round
//   explanation   what the ratio comes from (the report shows it beside a missed target)
//   own           numbers only this suite measures (a pool's fixed costs, a Node start's CPU, ...)
//   converted     only in results measured before this shape: what they lack (CPU samples, ...)
//
// A script that could not run writes { schema, benchmark, date, quick, skipped, output? } instead.
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { median, pairedRatios, round3, rounded, summarize } from './stats.js'

export const SUITE_SCHEMA = 1

const RESULTS = fileURLToPath(new URL('../results/', import.meta.url))

/** Where a suite's results go: a --quick run beside the full results, so that it never replaces them. */
export function suiteResultsPath(benchmark, { quick }) {
  return `${RESULTS}${benchmark}${quick ? '.quick' : ''}.json`
}

/**
 * @param {{ benchmark: string, quick: boolean, suite: object, variants: string[], isolane: string,
 *   stock: string, compare?: Array<[string, string]>, target: number, measured: { wallMs, cpuMs,
 *   loadAverageByRound }, explanation?: string, own?: object }} what
 */
export function suiteResult({ benchmark, quick, suite, variants, isolane, stock, compare = [], target, measured, explanation, own }) {
  const { wallMs, cpuMs, loadAverageByRound } = measured
  const pairs = [...variants.filter((v) => v !== stock).map((v) => [v, stock]), ...compare]
  const comparisons = pairs.map(([a, b]) => ({ of: `${a} / ${b}`, wall: comparison(wallMs[a], wallMs[b]), cpu: comparison(cpuMs[a], cpuMs[b]) }))
  const headline = comparisons[0]
  return {
    schema: SUITE_SCHEMA,
    benchmark,
    date: new Date().toISOString(),
    quick,
    machine: { node: process.versions.node, kernel: os.release(), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim(), loadAverageAtEnd: os.loadavg().map(round3) },
    suite,
    variants,
    isolane,
    stock,
    target,
    wallMs: Object.fromEntries(variants.map((v) => [v, spread(wallMs[v])])),
    cpuMs: Object.fromEntries(variants.map((v) => [v, spread(cpuMs[v])])),
    cpuPerFileOverStockMs: Object.fromEntries(variants.filter((v) => v !== stock).map((v) => [v, Math.round((median(cpuMs[v]) - median(cpuMs[stock])) / suite.files)])),
    ratio: { of: headline.of, method: `median of the rounds' own ratios (${isolane} and ${stock} side by side in each round)`, ...headline.wall },
    comparisons,
    loadAverageByRound,
    ...(explanation && { explanation }),
    ...(own && { own }),
  }
}

/** The results of a suite that could not run: why, and what the failing run printed. */
export function skippedSuiteResult({ benchmark, quick, skipped, output, suite }) {
  return { schema: SUITE_SCHEMA, benchmark, date: new Date().toISOString(), quick, ...(suite && { suite }), skipped, ...(output && { output }) }
}

export function writeSuiteResult(result) {
  const file = suiteResultsPath(result.benchmark, result)
  mkdirSync(RESULTS, { recursive: true })
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
  return file
}

/**
 * One sentence on the headline pair side by side: the median round, how many rounds isolane lost,
 * and how much the stock runner alone varied (what a single unpaired run could be off by).
 */
export function sideBySide(result) {
  const isolane = result.wallMs[result.isolane].samples
  const stock = result.wallMs[result.stock].samples
  const { ratio } = result
  const interval = ratio.ciLow === null ? '' : ` (95% interval of that median: ${ratio.ciLow.toFixed(3)}-${ratio.ciHigh.toFixed(3)})`
  const slower = isolane.filter((ms, i) => ms > stock[i]).length
  const stockSpread = (Math.max(...stock) - Math.min(...stock)) / median(stock)
  return (
    `Side by side, ${ratio.of} was ${ratio.median.toFixed(3)} in the median round${interval}; ${result.isolane} was slower in ${slower} of ${isolane.length} rounds, and the ${result.stock} runs alone varied by ${(stockSpread * 100).toFixed(0)}% between rounds ` +
    `(load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} CPUs shared with other machines' work).`
  )
}

function spread(samples) {
  const s = summarize(samples)
  return { median: round3(s.median), p10: round3(s.p10), p90: round3(s.p90), samples: samples.map((v) => Math.round(v)) }
}

/** a / b pair by pair (the same round), summarized, with the ratio of the two medians beside it. */
function comparison(a, b) {
  if (a.length === 0 || b.length === 0) return null
  const perRound = pairedRatios(a, b)
  return { ...rounded(summarize(perRound)), perRound: perRound.map(round3), ofMedians: round3(median(a) / median(b)) }
}
