// What isolane relies on of each host (Vitest, Mocha, Jest, tinypool) beyond its public API is in
// one file per host (packages/vitest/src/vitest-internals.ts, packages/mocha/src/mocha-internals.ts,
// packages/jest/src/jest-internals.ts, packages/pool/src/host/tinypool-internals.ts), each with a
// check of an installed copy. Here each check runs against the workspace's own install, so that an
// upgrade that removes one fails here, naming the host, its version and what is gone, instead of
// in a user's run. (The packed-package and Mocha-version tests run the Vitest 5 and Mocha 10 and 11
// checks.)
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createVitest, version as vitestVersion } from 'vitest/node'
import { JEST_CHECKED_VERSIONS, missingJestInternals } from '../packages/jest/src/jest-internals.js'
import { MOCHA_CHECKED_VERSIONS, missingMochaInternals } from '../packages/mocha/src/mocha-internals.js'
import { mochaAt } from '../packages/mocha/src/mocha-package.js'
import { missingTinypoolInternals, TINYPOOL_CHECKED_VERSION, tinypoolVersion } from '../packages/pool/src/host/tinypool-internals.js'
import { missingVitestInternals, VITEST_CHECKED_VERSIONS } from '../packages/vitest/src/vitest-internals.js'

const packages = join(import.meta.dirname, '../packages')
const packageDir = (from: string, name: string) => dirname(createRequire(join(packages, from, 'package.json')).resolve(`${name}/package.json`))
const versionAt = (dir: string) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version
const mochaDir = packageDir('mocha', 'mocha')
const jestDir = packageDir('jest', 'jest')

/** What a failed check says: the host, its version, what this file was checked against, and what is gone. */
function gone(host: string, version: string, checked: readonly string[], file: string): string {
  return `${host} ${version} no longer has what ${file} relies on (checked against ${checked.join(', ')})`
}

describe('the host internals isolane relies on, in the installed hosts', () => {
  it(`Vitest ${vitestVersion}: vitest-internals.ts`, async () => {
    const vitest = await createVitest('test', { root: join(import.meta.dirname, '../fixtures/vitest/binds-port-3000'), watch: false, reporters: [] })
    try {
      expect(vitest.projects.length).toBeGreaterThan(0)
      expect(missingVitestInternals(vitest.projects[0]!), gone('Vitest', vitestVersion, VITEST_CHECKED_VERSIONS, 'packages/vitest/src/vitest-internals.ts')).toEqual([])
    } finally {
      await vitest.close()
    }
  })

  it(`tinypool ${tinypoolVersion()}: tinypool-internals.ts`, () => {
    expect(missingTinypoolInternals(), gone('tinypool', tinypoolVersion(), [TINYPOOL_CHECKED_VERSION], 'packages/pool/src/host/tinypool-internals.ts')).toEqual([])
  })

  it(`Mocha ${versionAt(mochaDir)}: mocha-internals.ts`, () => {
    const mocha = mochaAt(mochaDir)
    expect(missingMochaInternals(mocha), gone('Mocha', mocha.version, MOCHA_CHECKED_VERSIONS, 'packages/mocha/src/mocha-internals.ts')).toEqual([])
  })

  it(`Jest ${versionAt(jestDir)}: jest-internals.ts`, () => {
    expect(missingJestInternals(join(packages, 'jest')), gone('Jest', versionAt(jestDir), JEST_CHECKED_VERSIONS, 'packages/jest/src/jest-internals.ts')).toEqual([])
  })
})

describe('each check names what is missing', () => {
  it('tinypool: a copy without its process entry', () => {
    expect(missingTinypoolInternals(join(import.meta.dirname, '../fixtures'))).toContain('dist/entry/process.js (the script its child_process runtime forks)')
  })

  it('Mocha: a Mocha without one of its private modules', () => {
    const mocha = mochaAt(mochaDir)
    const without = { ...mocha, load: <T>(module: string): T => (module === 'nodejs/serializer' ? (() => { throw new Error('not found') })() : mocha.load<T>(module)) }
    expect(missingMochaInternals(without)).toEqual(['lib/nodejs/serializer'])
  })
})
