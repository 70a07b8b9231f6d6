#!/usr/bin/env node
// Wall time of a 60-file Vitest suite under the isolane pool, the stock forks pool and a serial
// forks run (one file at a time: the usual cure for port clashes), measured side by side in one
// run: every round runs isolane and forks back to back (which goes first alternates), then serial,
// and the rounds' own ratios are compared. forks and serial use vitest.stock.config.ts, which does
// not import isolane, so the baseline is a user's config before isolane.
// Usage: node benchmarks/vitest-suite.js [--rounds N] [--files N] [--quick] [--no-isolate] [--work] [--rootless [--user NAME]]
// (--help lists them; default 60 files, 15 rounds; --quick: 6 files, 1 round). Rounds, timing and
// the results (results/vitest-suite.json, --quick: vitest-suite.quick.json) are
// lib/suite-harness.js's and lib/suite-result.js's. The files are generated into
// fixtures/vitest/many-files/generated-N/, one folder per size, so runs of different sizes never
// pull each other's files away.
// --no-isolate: every run with Vitest's isolate: false (workers reused across files; the isolane
//   pool renews them before every file), results to vitest-no-isolate-suite.json. A fourth runner
//   then splits the cost: the isolane pool with no namespaces (vitest.no-namespaces.config.ts),
//   its host code and its agent alone; what it lacks of the isolane run is what the namespaces cost.
// --work: each file also does about 17 ms of CPU work (hashing, a JSON round trip), as test files
//   with real work do; the suite's own files do almost nothing, so what a runner adds to each file
//   weighs more there. Generated into generated-work-N/, results to vitest-...-work-suite.json.
// --rootless: the same comparison made by a user without privilege, whose isolane pool then takes
// the user-namespace way on its own. Run as root, every Vitest run is started as NAME (default
// isolane-bench: created with useradd when missing, and then removed again at the end) through
// runuser(1) or su(1); run by any other user, as that user. Only isolane and forks run (the target
// compares those two). The files go to generated-rootless-N/, owned by that user; the results to
// benchmarks/results/vitest-rootless-suite.json (--quick: 4 files, 1 round, no warm-up). Where the
// user cannot run the suite, or the isolane run fails, the results file says why (exit status 1).
import { spawn, spawnSync } from 'node:child_process'
import { chownSync, mkdirSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { canIsolate, createPlan, DEFAULT_KINDS, probe, withIsolation } from '@isolane/core'
import { cleanEnv, MODES as RUN_MODES, runCommand, vitestCli, workspaceRoot } from '../fixtures/vitest/run-vitest.js'
import { asUserArgv, DEFAULT_USER, failureSummary, prepareUser, removeUser } from './lib/as-user.js'
import { median } from './lib/stats.js'
import { printSuiteResult, runRounds, suiteArgs } from './lib/suite-harness.js'
import { sideBySide, skippedSuiteResult, suiteResult, writeSuiteResult } from './lib/suite-result.js'
import { TARGETS } from './lib/targets.js'

const values = suiteArgs('vitest-suite.js', {
  files: { full: 60, quick: (options) => (options.rootless ? 4 : 6) },
  rounds: { full: 15, quick: 1 },
  options: {
    'no-isolate': { type: 'boolean', default: false, help: "every run with Vitest's isolate: false (workers reused across files)" },
    work: { type: 'boolean', default: false, help: 'files that also do about 17 ms of CPU work each (hashing, a JSON round trip)' },
    rootless: { type: 'boolean', default: false, help: 'run every Vitest run as a user without privilege (the user-namespace way)' },
    user: { type: 'string', arg: 'NAME', help: `with --rootless, as root: the user to run as (default ${DEFAULT_USER})` },
  },
})
const { rootless, rounds, files: fileCount } = values
if (values.user !== undefined && !rootless) {
  console.error('vitest-suite.js: --user goes with --rootless')
  process.exit(2)
}
const work = values.work
const generatedDir = `generated-${rootless ? 'rootless-' : ''}${work ? 'work-' : ''}${fileCount}`
const here = dirname(fileURLToPath(import.meta.url))
const suite = join(here, '..', 'fixtures', 'vitest', 'many-files')
const noIsolate = values['no-isolate']
const benchmark = `vitest${rootless ? '-rootless' : ''}${noIsolate ? '-no-isolate' : ''}${work ? '-work' : ''}-suite`
/** The isolane pool with no namespaces: what the pool itself costs, apart from the namespaces. */
const BARE = 'isolane, no namespaces'
const MODES = rootless ? ['isolane', 'forks'] : ['isolane', 'forks', 'serial', ...(noIsolate ? [BARE] : [])]
/** The config each runner is run with (Vitest's CLI arguments for the pool are run-vitest.js's). */
const CONFIGS = { isolane: null, [BARE]: 'vitest.no-namespaces.config.ts', forks: 'vitest.stock.config.ts', serial: 'vitest.stock.config.ts' }
const COSTS_ENTRY = join(here, 'entry', 'rootless-costs.js')
// One warm-up run of each, not counted: the first run pays for cold disk caches. (A quick
// rootless run, a smoke test CI makes on top of everything else, has none.)
const warmUp = !(rootless && values.quick)
const described = { files: fileCount, rounds, warmUp, order: 'pair first', maxWorkers: 2, isolate: !noIsolate, what: `each file starts an HTTP server on an ephemeral loopback port, fetches from it, closes it${work ? '; and does about 17 ms of CPU work (150 SHA-256 of 64 KB, a JSON round trip of 6,000 rows)' : ''}` }

/** With --work: a test of about 17 ms of CPU (here), whose result depends on all of it. */
const WORK_TEST = `
test('NAME works', async () => {
  const { createHash } = await import('node:crypto')
  const block = Buffer.alloc(65536, 'NAME')
  let digest = ''
  for (let k = 0; k < 150; k++) digest = createHash('sha256').update(block).update(digest).digest('hex')
  const rows = Array.from({ length: 6000 }, (_, k) => ({ id: k, name: \`row-\${k}\`, digest }))
  expect(JSON.parse(JSON.stringify(rows)).at(-1)).toEqual({ id: 5999, name: 'row-5999', digest })
})
`

// Who runs Vitest: a user without privilege with --rootless (`user` null: this process's own).
let runAs = null
if (rootless) {
  runAs = prepareRootless()
  if (runAs.skipped) {
    // In the results too, so that benchmarks/run.js shows why.
    console.error(`vitest-suite --rootless: skipped: ${runAs.skipped}`)
    writeSuiteResult(skippedSuiteResult({ benchmark, quick: values.quick, skipped: runAs.skipped, suite: described }))
    process.exit(1)
  }
} else {
  const verdict = canIsolate(DEFAULT_KINDS, probe())
  if (!verdict.ok) {
    console.error(`cannot run the benchmark: ${verdict.kind} namespaces are not usable here (${verdict.code}: ${verdict.reason})`)
    process.exit(1)
  }
}

try {
  await main()
} catch (error) {
  if (!rootless) throw error
  // A failed rootless run is a result to show, with what Vitest said, not only a crash.
  const message = error instanceof Error ? error.message : String(error)
  console.error(`vitest-suite --rootless: ${message}`)
  writeSuiteResult(skippedSuiteResult({ benchmark, quick: values.quick, skipped: failureSummary(message), output: message.slice(-4000), suite: { ...described, runAs: runAs.description } }))
  process.exitCode = 1
} finally {
  if (runAs?.created) removeUser(runAs.user, join(suite, generatedDir))
}

async function main() {
  generateSuite(fileCount)
  if (runAs?.user) chownTree(join(suite, generatedDir), runAs.uid, runAs.gid)
  const who = rootless ? `, run by ${runAs.description}` : ''
  console.log(`vitest-suite: ${fileCount} files, ${rounds} rounds of ${MODES.join(' / ')} (maxWorkers 2${rootless ? '' : '; serial: --no-file-parallelism'})${who}`)

  // isolane's own fixed costs, measured here: what the pool adds before and around each worker.
  const ownCosts = rootless ? measureRootlessCosts() : measureOwnCosts()
  // Without root: that the pool's workers really start in namespaces of their own, before timing them.
  const workerNamespaces = rootless ? await checkWorkerNamespaces() : undefined

  // isolane and forks back to back, first one then the other first: a pair sees the same machine.
  // The serial run and the pool without namespaces come after the pair.
  const measured = await runRounds({ variants: MODES.map((name) => ({ name })), rounds, warmUp, order: 'pair first', run: ({ name }) => runSuite(name), pair: ['isolane', 'forks'] })
  const result = suiteResult({
    benchmark,
    quick: values.quick,
    suite: {
      ...described,
      baseline: `forks${rootless ? '' : ' and serial'} run with vitest.stock.config.ts: the same settings, the stock forks pool, no import of isolane${rootless ? '; both run by the same user, with --configLoader=runner (the user may not write next to the config)' : ''}`,
      ...(rootless && { runAs: runAs.description }),
    },
    variants: MODES,
    isolane: 'isolane',
    stock: 'forks',
    compare: rootless ? [] : [['isolane', 'serial'], ...(noIsolate ? [['isolane', BARE]] : [])],
    target: rootless ? TARGETS.rootlessSuites : TARGETS.suites,
    measured,
    own: { ownCosts, ...(workerNamespaces && { workerNamespaces }) },
  })
  const forksMs = median(measured.wallMs.forks)
  result.explanation = `${rootless ? rootlessExplanation(ownCosts, forksMs) : ownExplanation(ownCosts, forksMs)}${noIsolate ? ` ${splitExplanation(result)}` : ''} ${sideBySide(result)}`
  printSuiteResult(result, writeSuiteResult(result))
  if (rootless) console.log(`isolane's own costs (as ${runAs.user ?? 'this user'}): choosing the way ${ownCosts.chooseWayMs.toFixed(1)} ms, a worker's start ${ownCosts.workerStartMs.toFixed(1)} ms over a plain fork`)
  else console.log(`isolane's own costs: check ${ownCosts.checkMs.toFixed(1)} ms, window ${ownCosts.windowMs.toFixed(2)} ms`)
}

function ownExplanation(ownCosts, forksMs) {
  if (noIsolate)
    return (
      `With isolate: false Vitest reuses each of its ${'two'} workers for file after file, as the forks pool does; the isolane pool forks each worker once inside an isolation window (${ownCosts.windowMs.toFixed(2)} ms) after one check of the machine (${ownCosts.checkMs.toFixed(1)} ms), and renews it before every file in the worker itself (a fresh net, uts and ipc namespace, lo up, /dev/mqueue, and /tmp and /dev/shm where the file changed them: benchmarks section 5 measures a renewal against its C floor), and stops what each file left running.`
    )
  const ownMs = ownCosts.checkMs + fileCount * ownCosts.windowMs
  return (
    `The isolane pool is Vitest's own forks worker, forked inside an isolation window. What it adds, measured in this run: one check of the machine when the config loads (checkIsolation(), ${ownCosts.checkMs.toFixed(1)} ms) and one window per test file (${ownCosts.windowMs.toFixed(2)} ms each, ${fileCount} files), ` +
    `${(ownMs / 1000).toFixed(2)} s in all, ${((ownMs / forksMs) * 100).toFixed(1)}% of the forks run.`
  )
}

/** With --no-isolate: the pool without namespaces against forks, and the isolane run against it, in the rounds' medians. */
function splitExplanation(result) {
  const wall = (of) => result.comparisons.find((c) => c.of === of)?.wall?.median
  const bare = wall(`${BARE} / forks`)
  const namespaces = wall(`isolane / ${BARE}`)
  if (bare === undefined || namespaces === undefined) return ''
  return `Split in the same rounds: the pool with no namespaces at all (its host code, and its agent in each worker: the leftovers check, the notes of running tests, its answer after each file) measured ${bare.toFixed(3)}x of forks, and the isolane run ${namespaces.toFixed(3)}x of that: the namespaces' part (the check, a window per worker, the renewal before every file).`
}

function rootlessExplanation(ownCosts, forksMs) {
  // Vitest starts a fresh worker per file (isolate), two at a time: the starts' extra time is
  // spread over the two workers' wall time.
  const startsMs = fileCount * ownCosts.workerStartMs
  const wallMs = ownCosts.chooseWayMs + startsMs / 2
  return (
    `Run by ${runAs.description}, without privilege: the isolane pool starts each worker the user-namespace way, through util-linux unshare(1) into a user namespace of its own, where the worker's preload loads isolane's core, makes the setup (lo up, hostname, tmpfs) and drops the capabilities before any of its code runs. ` +
    `What it adds, measured in this run as that user: choosing the way when the config loads (chooseWay(), which tries the privileged way and then the launcher once, ${ownCosts.chooseWayMs.toFixed(1)} ms) and, per worker, the launcher and the child's setup (${ownCosts.workerStartMs.toFixed(1)} ms over a plain fork in the median of ${ownCosts.pairs} pairs; benchmark section 2b splits it into its stages). ` +
    `With a fresh worker per file, ${fileCount} files, two workers at a time, that is about ${(wallMs / 1000).toFixed(2)} s of wall time, ${((wallMs / forksMs) * 100).toFixed(1)}% of the forks run.`
  )
}

/** As root: the user, made when missing, who can read the checkout and run Node; otherwise this process's own. Then which way its pool would take. */
function prepareRootless() {
  const prepared =
    process.getuid?.() === 0
      ? prepareUser(values.user ?? DEFAULT_USER, { node: process.execPath, paths: [vitestCli, join(suite, 'vitest.config.ts'), join(workspaceRoot, 'packages', 'vitest', 'dist', 'index.js'), COSTS_ENTRY], cwd: workspaceRoot })
      : { user: null, created: false, description: `uid ${process.getuid?.()} (this process's own user)` }
  if (prepared.skipped) return prepared
  // The way the pool will take (chooseWay() with the pool's defaults), asked as that user.
  const answer = askAsUser(prepared, 0)
  const refuse = (why) => {
    if (prepared.created) removeUser(prepared.user)
    return { skipped: why }
  }
  if (answer.error) return refuse(`the user-namespace way is not possible for ${prepared.description}: ${answer.error}`)
  if (answer.way !== 'user-namespace') return refuse(`${prepared.description} would take the ${answer.way} way, not the user-namespace way (it has privilege of its own)`)
  return prepared
}

/**
 * The pool's fixed costs: the check of the machine when the config loads (checkIsolation(), timed
 * as the first call in a fresh Node process, as Vitest makes it) and one default-set window around
 * a fork, as the pool opens per worker (the fork itself is the stock pool's cost too, so it is
 * timed alone and taken off).
 */
function measureOwnCosts() {
  const script = "const c = await import('@isolane/core'); const t = performance.now(); const v = c.checkIsolation(c.DEFAULT_KINDS); process.stdout.write(String(v.ok ? performance.now() - t : -1))"
  const checks = []
  for (let i = 0; i < 5; i++) {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: workspaceRoot, encoding: 'utf8' })
    const ms = Number(child.stdout)
    if (!(ms >= 0)) throw new Error(`timing checkIsolation() failed: ${child.stderr || child.stdout}`)
    checks.push(ms)
  }
  const plan = createPlan({}, { workerId: 1 })
  const withWindow = []
  const plain = []
  for (let i = 0; i < 30; i++) {
    let started = performance.now()
    withIsolation(plan, () => spawn('/bin/true'))
    withWindow.push(performance.now() - started)
    started = performance.now()
    spawn('/bin/true')
    plain.push(performance.now() - started)
  }
  return { unit: 'ms', checkMs: median(checks), windowMs: Math.max(0, median(withWindow) - median(plain)) }
}

/**
 * The same costs the user-namespace way, as the user who runs the suite, each in a fresh Node
 * process as Vitest makes them (entry/rootless-costs.js): chooseWay() for the pool's default plan
 * (its first call runs the launcher once), three times, and once a worker started that way against
 * a plain fork of the same ready module, pair by pair, until its first message.
 */
function measureRootlessCosts() {
  const pairs = values.quick ? 2 : 15
  const chooseWay = []
  let workerStartMs
  for (let i = 0; i < 3; i++) {
    const measured = askAsUser(runAs, i === 0 ? pairs : 0)
    if (measured.error || measured.way !== 'user-namespace') throw new Error(`timing the user-namespace way as ${runAs.description} failed: ${measured.error ?? `it took the ${measured.way} way`}`)
    chooseWay.push(measured.chooseWayMs)
    if (i === 0) workerStartMs = measured.workerStartMs
  }
  return { unit: 'ms', chooseWayMs: median(chooseWay), workerStartMs, pairs }
}

/** entry/rootless-costs.js run as `who`: the way its pool takes, and what it costs. */
function askAsUser(who, pairs) {
  const [command, args] = asUserArgv(who, [process.execPath, COSTS_ENTRY, String(pairs)])
  const child = spawnSync(command, args, { cwd: workspaceRoot, encoding: 'utf8', env: cleanEnv(), timeout: 120_000 })
  try {
    return JSON.parse(child.stdout)
  } catch {
    return { error: `benchmarks/entry/rootless-costs.js failed (exit ${child.status ?? child.signal}): ${failureSummary(child.stderr || child.stdout || 'no output')}` }
  }
}

/**
 * One isolane run, as the user, of a file that prints its worker's user and net namespaces: both
 * must differ from this process's (the host's), or the pool did not take the user-namespace way.
 */
async function checkWorkerNamespaces() {
  const dir = join(suite, 'generated-rootless-check')
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, 'namespaces.test.ts'),
    "import { readlinkSync } from 'node:fs'\nimport { test } from 'vitest'\n\n" +
      "test('says which namespaces its worker is in', () => {\n  console.log(`NAMESPACES user=${readlinkSync('/proc/self/ns/user')} net=${readlinkSync('/proc/self/ns/net')}`)\n})\n",
  )
  if (runAs?.user) chownTree(dir, runAs.uid, runAs.gid)
  try {
    const { code, output } = await runVitestAs('isolane', 'generated-rootless-check/')
    const seen = /NAMESPACES user=(\S+) net=(\S+)/.exec(output)
    if (code !== 0 || !seen) throw new Error(`the isolane pool's check run as ${runAs.description} failed (exit ${code}):\n${output.slice(-3000)}`)
    const own = { user: readlinkSync('/proc/self/ns/user'), net: readlinkSync('/proc/self/ns/net') }
    const fresh = { user: seen[1] !== own.user, net: seen[2] !== own.net }
    if (!fresh.user || !fresh.net) throw new Error(`the isolane pool's worker, run as ${runAs.description}, was in the host's ${fresh.user ? 'net' : 'user'} namespace (${seen[0]}): it did not take the user-namespace way`)
    return { worker: { user: seen[1], net: seen[2] }, host: own, freshUser: true, freshNet: true }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Vitest's CLI on `filter` with the runner's config (CONFIGS: the isolane pool's, with or without namespaces, or the stock one), as the user who runs the suite. */
function runVitestAs(mode, filter) {
  const config = CONFIGS[mode] ? ['--config', join(suite, CONFIGS[mode])] : []
  // Without root the user may not write beside the config, where Vite's bundling loader would.
  const loader = rootless ? ['--configLoader=runner'] : []
  const args = [vitestCli, 'run', '--root', suite, ...config, ...loader, filter, ...(RUN_MODES[mode]?.args ?? []), ...(noIsolate ? ['--no-isolate'] : []), '--no-cache', '--reporter=dot']
  const [command, commandArgs] = asUserArgv(runAs, [process.execPath, ...args])
  return runCommand(command, commandArgs, { ...cleanEnv(), NO_COLOR: '1' })
}

/** Runs the suite once with Vitest's CLI (the harness times it); throws if it failed or ran without isolation. */
async function runSuite(mode) {
  const { code, output } = await runVitestAs(mode, `${generatedDir}/`)
  const passed = new RegExp(`Test Files\\s+${fileCount} passed \\(${fileCount}\\)`).test(output)
  if (code !== 0 || !passed) throw new Error(`the ${mode} run${runAs?.user ? ` as ${runAs.user}` : ''} failed (exit ${code}):\n${output.slice(-3000)}`)
  // A pool that fell back to no isolation would be measured as something it is not.
  if (mode === 'isolane' && /WITHOUT isolation/.test(output)) throw new Error(`the isolane run ran its workers without isolation:\n${output.slice(-3000)}`)
}

function generateSuite(count) {
  const dir = join(suite, generatedDir)
  const existing = safeList(dir)
  if (existing.length === count) return
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (let i = 1; i <= count; i++) {
    const name = `file-${String(i).padStart(3, '0')}`
    writeFileSync(
      join(dir, `${name}.test.ts`),
      `import { expect, test } from 'vitest'\nimport { roundTrip } from '../serve.js'\n\n` +
        `test('${name} serves and fetches', async () => {\n  expect(await roundTrip('${name}')).toBe('${name}')\n})\n\n` +
        `test('${name} computes', () => {\n  expect(Array.from({ length: 1000 }, (_, k) => k * ${i}).reduce((a, b) => a + b, 0)).toBe(${i * 499500})\n})\n` +
        (work ? WORK_TEST.replaceAll('NAME', name) : ''),
    )
  }
}

/** The generated folder and its files, given to the user who runs the suite. */
function chownTree(dir, uid, gid) {
  chownSync(dir, uid, gid)
  for (const name of readdirSync(dir)) chownSync(join(dir, name), uid, gid)
}

function safeList(dir) {
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.test.ts'))
  } catch {
    return []
  }
}
