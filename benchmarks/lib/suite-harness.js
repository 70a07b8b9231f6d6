// What every suite script (../*-suite.js) does the same way: its command line (--quick, --files,
// --rounds and the suite's own options, parsed once with node:util parseArgs), a warm-up run of
// each variant, then rounds in which every variant runs once, each run's wall time and CPU time,
// and a report of the result (suite-result.js builds and writes it). A suite script keeps only what
// is its own: its generated files, its variants and how to run one, its target.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import { parseArgs } from 'node:util'

/**
 * The suite's command line, parsed once for every suite. `files` and `rounds` give each its default
 * for a full and a --quick run (a number, or a function of the parsed options); `options` are the suite's own: `{ type: 'boolean' | 'string' |
 * 'count', default?, help, arg? }`, a count being a positive integer, `arg` a string's name in the usage. Prints the usage and exits 2 on
 * anything it does not know (0 for --help).
 */
export function suiteArgs(script, { files, rounds, options = {} }) {
  const all = {
    quick: { type: 'boolean', default: false, help: `a smoke run: ${typeof files.quick === 'number' ? files.quick : 'a few'} files, ${rounds.quick} round` },
    files: { type: 'count', help: `how many test files to generate (default ${files.full})` },
    rounds: { type: 'count', help: `how many rounds of every variant (default ${rounds.full})` },
    ...options,
    help: { type: 'boolean', default: false, help: 'this text' },
  }
  const usage =
    `usage: node benchmarks/${script} ${Object.entries(all).map(([name, o]) => `[--${name}${o.type === 'boolean' ? '' : o.type === 'count' ? ' N' : ` ${o.arg ?? 'VALUE'}`}]`).join(' ')}\n` +
    Object.entries(all).map(([name, o]) => `  --${name.padEnd(12)} ${o.help}\n`).join('')
  const refuse = (why) => {
    process.stderr.write(`${script}: ${why}\n${usage}`)
    process.exit(2)
  }
  let values
  try {
    const definitions = Object.entries(all).map(([name, o]) => [name, { type: o.type === 'boolean' ? 'boolean' : 'string', ...(o.default !== undefined && { default: o.type === 'count' ? String(o.default) : o.default }) }])
    ;({ values } = parseArgs({ options: Object.fromEntries(definitions) }))
  } catch (error) {
    refuse(error.message)
  }
  if (values.help) {
    process.stdout.write(usage)
    process.exit(0)
  }
  const size = values.quick ? 'quick' : 'full'
  const fallback = (counts) => String(typeof counts[size] === 'function' ? counts[size](values) : counts[size])
  values.files ??= fallback(files)
  values.rounds ??= fallback(rounds)
  for (const [name, o] of Object.entries(all)) {
    if (o.type !== 'count' || values[name] === undefined) continue
    const value = Number(values[name])
    if (!Number.isInteger(value) || value < 1) refuse(`--${name} must be a positive integer`)
    values[name] = value
  }
  return values
}

/** Runs `use(dir)` with a fresh directory for the run's generated files (mkdtemp of `prefix`), removed at the end, on Ctrl-C too. */
export async function inFreshDir(prefix, use) {
  const dir = mkdtempSync(prefix)
  const remove = () => rmSync(dir, { recursive: true, force: true })
  const interrupted = () => {
    remove()
    process.exit(130)
  }
  process.once('SIGINT', interrupted)
  try {
    return await use(dir)
  } finally {
    process.off('SIGINT', interrupted)
    remove()
  }
}

/**
 * CPU time (user + system, ms) of this process's waited-for children and, through them, of their
 * waited-for descendants (cutime + cstime, proc(5)): every process of a run counts, whatever the
 * load of the machine, which wall time does not show.
 */
const TICK_MS = 1000 / 100 // USER_HZ is 100 on Linux
export function childrenCpuMs() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')
  return (Number(fields[13]) + Number(fields[14])) * TICK_MS
}

/** Runs `run()` (which starts a command and resolves once it has exited): its wall time and the CPU time of all it started. */
export async function timed(run) {
  const cpuBefore = childrenCpuMs()
  const start = process.hrtime.bigint()
  await run()
  return { wallMs: Number(process.hrtime.bigint() - start) / 1e6, cpuMs: childrenCpuMs() - cpuBefore }
}

/**
 * The order of the variants in round `round`:
 * - 'rotating': every variant one place further on each round, so that none always runs first or last;
 * - 'pair first': the first two (isolane and the stock runner) back to back, which one first
 *   alternating, so that a pair sees the same machine; the others (a serial run, much longer) after them.
 */
export function roundOrder(variants, round, order) {
  if (order === 'rotating') return variants.map((_, i) => variants[(i + round) % variants.length])
  const [a, b, ...rest] = variants
  return [...(round % 2 === 0 ? [a, b] : [b, a]), ...rest]
}

/**
 * One untimed run of each variant when `warmUp` (the first run pays for cold disk caches and the
 * tools' compilation), then `rounds` rounds of all of them in `order`. `run(variant)` runs one and
 * throws if it failed; `pair` names the two variants whose ratio each round's line shows. Returns the
 * samples by variant name, one a round, and the load after each.
 */
export async function runRounds({ variants, rounds, warmUp, order, run, pair: [a, b], log = (line) => process.stderr.write(`${line}\n`) }) {
  if (warmUp) for (const variant of variants) await run(variant)
  const wallMs = Object.fromEntries(variants.map((v) => [v.name, []]))
  const cpuMs = Object.fromEntries(variants.map((v) => [v.name, []]))
  const loadAverageByRound = []
  for (let round = 0; round < rounds; round++) {
    const ordered = roundOrder(variants, round, order)
    for (const variant of ordered) {
      const measured = await timed(() => run(variant))
      wallMs[variant.name].push(measured.wallMs)
      cpuMs[variant.name].push(measured.cpuMs)
    }
    loadAverageByRound.push(Number(os.loadavg()[0].toFixed(2)))
    const ratio = wallMs[a].at(-1) / wallMs[b].at(-1)
    log(`round ${round + 1}/${rounds}: ${ordered.map((v) => `${v.name} ${wallMs[v.name].at(-1).toFixed(0)} ms`).join(', ')}; ${a} / ${b} ${ratio.toFixed(3)} (load ${os.loadavg()[0].toFixed(1)})`)
  }
  return { wallMs, cpuMs, loadAverageByRound }
}

/** A difference with its sign, as the suites print one. */
export const signed = (ms) => (ms >= 0 ? `+${ms}` : String(ms))

/** The result in a few lines: each variant's medians, the headline ratio with its interval, the other comparisons. */
export function printSuiteResult(result, file) {
  const out = (line) => process.stdout.write(`${line}\n`)
  const { suite, ratio } = result
  out(`${suite.files} files, median of ${suite.rounds} round${suite.rounds === 1 ? '' : 's'}:`)
  const width = Math.max(...result.variants.map((v) => v.length))
  for (const v of result.variants) out(`  ${v.padEnd(width)} ${String(Math.round(result.wallMs[v].median)).padStart(6)} ms   CPU ${Math.round(result.cpuMs[v].median)} ms`)
  const interval = ratio.ciLow === null ? '' : ` (95% interval ${ratio.ciLow}-${ratio.ciHigh})`
  const verdict = ratio.median <= result.target ? 'met' : 'missed'
  out(`${ratio.of} = ${ratio.median}x${interval}, paired by round (per round ${ratio.perRound.join(', ')}); ratio of the medians ${ratio.ofMedians}x; target <= ${result.target}x: ${verdict}`)
  for (const c of result.comparisons.slice(1)) out(`${c.of} = ${c.wall.median}x paired by round, ${c.wall.ofMedians}x of the medians`)
  const cpu = result.comparisons[0].cpu
  const perFile = Object.entries(result.cpuPerFileOverStockMs).map(([v, ms]) => `${v} ${signed(ms)} ms`)
  out(`CPU ${ratio.of} = ${cpu.ofMedians}x of the medians, ${cpu.median}x paired by round; a file over ${result.stock}: ${perFile.join(', ')}`)
  out(`load average ${result.machine.loadAverageAtEnd.join(' ')}; written to ${file}`)
}
