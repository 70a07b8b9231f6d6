// End to end: isolane-mocha runs the project's own Mocha, 10, 11 or 12 (a peer dependency), each
// installed with the packed packages in a project of its own outside the workspace: the same
// counts, titles and exit codes as that Mocha's own `mocha --parallel` on the fixtures, its option
// checks, and a Mocha outside the range refused at start, naming the range. Needs the npm
// registry: skipped, saying why, without it.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chooseWay, createPlan } from '@isolane/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ScratchArea, type CommandResult, type ScratchProject } from './scratch-projects.js'
import { expectSameOutcomes, type JsonReport } from './mocha-reports.js'

const MOCHAS = ['10.8.2', '11.8.0', '12.0.3']
const TOO_OLD = '9.2.2'

const way = chooseWay(createPlan({}))
const cannotIsolate = way.ok ? undefined : `workers cannot get fresh namespaces here (${way.error.code}): ${way.error.message}`

const FIXTURES = { 'mocha/mixed-outcomes': 'mixed-outcomes', 'mocha/binds-port-3000': 'binds-port-3000', 'mocha/_support': '_support' }

let area: ScratchArea | undefined
let skipReason: string | undefined
const projects = new Map<string, Promise<ScratchProject>>()

beforeAll(async () => {
  area = await ScratchArea.create('mocha-versions')
  skipReason = cannotIsolate ?? (await area.registryUnreachable([...MOCHAS, TOO_OLD].map((version) => `mocha@${version}`)))
  if (skipReason) return console.warn(`isolane-mocha against Mocha 10, 11 and 12 skipped: ${skipReason}`)
  const tarballs = await area.packWorkspace()
  const isolaneMocha = Object.fromEntries(['@isolane/core', '@isolane/pool', '@isolane/mocha'].map((name) => [name, tarballs.get(name)!]))
  // Installed side by side; a failed install fails the tests that need it.
  for (const version of [...MOCHAS, TOO_OLD]) {
    // npm refuses a Mocha outside the peer range; a user gets there with --legacy-peer-deps (or a
    // package manager that only warns), and isolane-mocha must say so itself.
    const project = version === TOO_OLD ? area.project(`mocha-${version}`, { ...isolaneMocha, mocha: version }, {}, ['--legacy-peer-deps']) : area.project(`mocha-${version}`, { ...isolaneMocha, mocha: version }, FIXTURES)
    project.catch(() => {})
    projects.set(version, project)
  }
  // Without Mocha at all: npm installs a missing peer dependency itself, unless told not to.
  const bare = area.project('no-mocha', isolaneMocha, {}, ['--legacy-peer-deps'])
  bare.catch(() => {})
  projects.set('none', bare)
}, 120_000)

afterAll(() => area?.remove())

const mocha = (project: ScratchProject, args: string[], cwd?: string): Promise<CommandResult> => project.bin('mocha', 'mocha', ['--parallel', ...args], { cwd })
const isolaneMocha = (project: ScratchProject, args: string[], cwd?: string): Promise<CommandResult> => project.bin('@isolane/mocha', 'isolane-mocha', args, { cwd })

describe.each(MOCHAS)('isolane-mocha with the project’s Mocha %s', { timeout: 240_000 }, (version) => {
  it('says which Mocha it runs', async ({ skip }) => {
    if (skipReason) return skip(skipReason)
    const project = await projects.get(version)!
    const result = await isolaneMocha(project, ['--version'])
    expect(result.stdout).toMatch(new RegExp(`^isolane-mocha \\S+ \\(mocha ${version.replaceAll('.', '\\.')}\\)$`, 'm'))
  })

  it('has every Mocha internal isolane-mocha relies on (mocha-internals.ts)', async ({ skip }) => {
    if (skipReason) return skip(skipReason)
    const project = await projects.get(version)!
    const dist = (file: string) => JSON.stringify(pathToFileURL(join(project.dir, 'node_modules/@isolane/mocha/dist', file)).href)
    const script = join(project.dir, 'check-internals.mjs')
    await writeFile(script, `import { missingMochaInternals } from ${dist('mocha-internals.js')}\nimport { mochaAt } from ${dist('mocha-package.js')}\nconsole.log(JSON.stringify(missingMochaInternals(mochaAt(${JSON.stringify(join(project.dir, 'node_modules/mocha'))}))))\n`)
    const result = await project.node([script])
    expect(result.stderr).toBe('')
    expect(JSON.parse(result.stdout.trim()), `Mocha ${version} lacks what packages/mocha/src/mocha-internals.ts relies on`).toEqual([])
  })

  it('reports the same passes, failures, pending tests and exit code as mocha --parallel (config, root hooks, global fixtures)', async ({ skip }) => {
    if (skipReason) return skip(skipReason)
    const project = await projects.get(version)!
    const report = (file: string) => ['--reporter', 'json', '--reporter-option', `output=${project.dir}/${file}`]
    const [plain, isolated] = await Promise.all([mocha(project, report('plain.json'), 'mixed-outcomes'), isolaneMocha(project, report('isolated.json'), 'mixed-outcomes')])
    const expected = await project.takeJson<JsonReport>('plain.json')
    const actual = await project.takeJson<JsonReport>('isolated.json')
    expect(expected.stats).toMatchObject({ tests: 13, passes: 5, pending: 4, failures: 5 })
    expectSameOutcomes(actual, expected)
    expect(plain.code).toBe(5)
    expect(isolated.code).toBe(plain.code)
  })

  it('passes the four files that all hold port 3000, where mocha --parallel fails with EADDRINUSE', async ({ skip }) => {
    if (skipReason) return skip(skipReason)
    const project = await projects.get(version)!
    const args = ['--jobs', '2', '--reporter', 'dot', '*.spec.cjs']
    const [plain, isolated] = await Promise.all([mocha(project, args, 'binds-port-3000'), isolaneMocha(project, args, 'binds-port-3000')])
    expect(plain.stdout).toMatch(/EADDRINUSE/)
    expect(plain.code).not.toBe(0)
    expect(isolated.stderr).toBe('')
    expect(isolated.stdout).toMatch(/4 passing/)
    expect(isolated.code).toBe(0)
  })

  it('refuses what mocha --parallel refuses, and a pattern that matches nothing, with exit code 1', async ({ skip }) => {
    if (skipReason) return skip(skipReason)
    const project = await projects.get(version)!
    const [plainSort, isolatedSort, nothing] = await Promise.all([
      mocha(project, ['--sort', '*.spec.cjs'], 'binds-port-3000'),
      isolaneMocha(project, ['--sort', '*.spec.cjs'], 'binds-port-3000'),
      isolaneMocha(project, ['no-such-dir/*.spec.cjs'], 'binds-port-3000'),
    ])
    const refusal = '--parallel runs test files in a non-deterministic order, and is mutually exclusive with --sort'
    expect(plainSort.stderr).toContain(refusal)
    expect(isolatedSort.stderr).toContain(`ERROR: ${refusal}`)
    expect([plainSort.code, isolatedSort.code]).toEqual([1, 1])
    expect(nothing.stderr).toContain('isolane-mocha: No test files found: "no-such-dir/*.spec.cjs"')
    expect(nothing.code).toBe(1)
  })
})

describe('isolane-mocha with a Mocha outside the range, or none', () => {
  it(`refuses Mocha ${TOO_OLD} at start, naming the range and what to do`, { timeout: 240_000 }, async ({ skip }) => {
    if (skipReason) return skip(skipReason)
    const project = await projects.get(TOO_OLD)!
    const result = await isolaneMocha(project, [])
    expect(result.stderr).toContain(`isolane-mocha: This project has mocha ${TOO_OLD} (${project.dir}/node_modules/mocha), and isolane-mocha supports Mocha ^10.0.0 || ^11.0.0 || ^12.0.0`)
    expect(result.stderr).toContain('To fix: install a supported Mocha, for example `npm install --save-dev mocha@12`.')
    expect(result.stdout).toBe('')
    expect(result.code).toBe(1)
  })

  it('refuses to start where the project has no Mocha, saying it is a peer dependency to install', { timeout: 240_000 }, async ({ skip }) => {
    if (skipReason) return skip(skipReason)
    const project = await projects.get('none')!
    const result = await isolaneMocha(project, [])
    expect(result.stderr).toContain(`isolane-mocha: No Mocha found from ${project.dir}: isolane-mocha runs the project's own Mocha, a peer dependency (^10.0.0 || ^11.0.0 || ^12.0.0)`)
    expect(result.stderr).toContain('To fix: install it in the project, `npm install --save-dev mocha`')
    expect(result.code).toBe(1)
  })
})
