// What a worker loads before the user's code is bundled into one file each, CommonJS but for the
// pool's worker entry, which tinypool imports (scripts/build.js): loaded through require(esm), core's
// ES modules cost every worker about 20-30 ms of CPU at its start. So is what the runners' main
// processes load of isolane, one ES module each. A build that did not bundle them would work,
// slower: this says so.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
/** The first line of every bundle scripts/build.js writes. */
const BUNDLED_MARK = '// isolane: bundled by scripts/build.js'
const require = createRequire(join(root, 'packages/vitest/package.json'))
const BUNDLES = {
  "core's preload of every child (user namespace way)": join(root, 'packages/core/dist/entry/child-setup.cjs'),
  "core's exec entry (isolane run, spawnIsolated)": join(root, 'packages/core/dist/entry/exec.cjs'),
  "@isolane/core/worker (the pools' workers)": require.resolve('@isolane/core/worker'),
  "the Vitest pool's agent": join(root, 'packages/vitest/dist/worker/agent.cjs'),
  "@isolane/pool's worker entry (tinypool's task module)": join(root, 'packages/pool/dist/worker/task-entry.bundle.js'),
}

describe('@isolane/core as the runners load it', () => {
  it("@isolane/core/internal, which isolane's own packages load, is one bundled ES module in dist/, beside the files its paths are relative to", () => {
    const path = require.resolve('@isolane/core/internal')
    expect(path).toBe(join(root, 'packages/core/dist/internal.bundle.js'))
    const code = readFileSync(path, 'utf8')
    expect(code.startsWith(BUNDLED_MARK)).toBe(true)
    const loads = [...code.matchAll(/from "([^"]+)"/g)].map((m) => m[1]!).filter((name) => name.startsWith('.') || name.startsWith('@isolane/'))
    expect(loads).toEqual([])
    // Its paths relative to itself name the entry scripts beside it (every pool test starts workers through them).
    for (const [, entry] of code.matchAll(/import\.meta\.url, "(\.\/entry\/[^"]+)"\)/g)) expect(existsSync(join(dirname(path), entry!)), entry).toBe(true)
    expect([...code.matchAll(/import\.meta\.url, "(\.\/entry\/[^"]+)"\)/g)].length).toBeGreaterThanOrEqual(3)
  })

  it('@isolane/core is the public part of that one module: a process that loads both holds one copy of core', () => {
    const path = require.resolve('@isolane/core')
    expect(path).toBe(join(root, 'packages/core/dist/index.bundle.js'))
    const code = readFileSync(path, 'utf8')
    expect(code.startsWith(BUNDLED_MARK)).toBe(true)
    const loads = [...code.matchAll(/from "([^"]+)"/g)].map((m) => m[1]!)
    expect(loads).toEqual(['./internal.bundle.js'])
    // Loaded by Node itself (Vitest would load each file through its own module runner).
    const script = `const [publicApi, internal] = await Promise.all([import(${JSON.stringify(path)}), import(${JSON.stringify(require.resolve('@isolane/core/internal'))})])
      console.log(JSON.stringify({ names: Object.keys(publicApi), differ: Object.keys(publicApi).filter((name) => publicApi[name] !== internal[name]) }))`
    const { names, differ } = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { names: string[]; differ: string[] }
    expect(names.length).toBeGreaterThan(30)
    expect(differ).toEqual([])
    // The internal part stays out of the public entry.
    expect(names).not.toContain('entryPath')
    expect(names).not.toContain('invalidOptions')
  })
})

describe("what else the runners' main processes load of isolane", () => {
  /** A bundled ES module's imports, but Node's own. */
  const loadsOf = (code: string) => [...new Set([...code.matchAll(/from "([^"]+)"/g)].map((m) => m[1]!).filter((name) => !name.startsWith('node:')))].sort()
  /** The code at `path`, once it is seen to be one bundled ES module that loads `loads` and Node's own modules only. */
  const hostBundle = (path: string, loads: string[]) => {
    const code = readFileSync(path, 'utf8')
    expect(code.startsWith(BUNDLED_MARK)).toBe(true)
    expect(loadsOf(code)).toEqual(loads)
    return code
  }
  /** Checks that the files `code` names relative to itself (`pattern`'s first group) are `entries`, and lie beside `path`. */
  const expectEntriesBeside = (path: string, code: string, pattern: RegExp, entries: string[]) => {
    const named = [...code.matchAll(pattern)].map((m) => m[1]!)
    expect(named).toEqual(entries)
    for (const entry of named) expect(existsSync(join(dirname(path), entry)), entry).toBe(true)
  }

  it('@isolane/pool is one bundled ES module in dist/host/, which loads only core and tinypool, and starts workers from there', () => {
    const path = require.resolve('@isolane/pool')
    expect(path).toBe(join(root, 'packages/pool/dist/host/index.bundle.js'))
    hostBundle(path, ['@isolane/core/internal', 'tinypool'])
    // Its worker entry is found from where the bundle lies: a task runs, in plain Node (no namespaces: anyone may).
    const script = `const { createPool } = await import(${JSON.stringify(path)})
      const pool = createPool({ filename: ${JSON.stringify(join(root, 'fixtures/pool/module-exports-function.cjs'))}, isolation: { namespaces: [] }, maxThreads: 1 })
      console.log(JSON.stringify(await pool.run({ n: 2 })))
      await pool.destroy()`
    expect(JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }))).toEqual({ cjs: true, task: { n: 2 } })
  })

  it("isolane-mocha's run, which its command and @isolane/mocha load, is one bundled ES module that loads only core and the pool (the project's Mocha at run time)", () => {
    hostBundle(join(root, 'packages/mocha/dist/run.js'), ['@isolane/core/internal', '@isolane/pool'])
    // The command and the API load it, and nothing else of the host's.
    for (const entry of ['cli.js', 'index.js']) {
      const imports = [...readFileSync(join(root, 'packages/mocha/dist', entry), 'utf8').matchAll(/(?:from |import\()'(\.[^']+)'/g)].map((m) => m[1])
      expect(new Set(imports), entry).toEqual(new Set(['./run.js']))
    }
  })

  it("the Vitest pool, which a Vitest config imports, is one bundled ES module that loads only core and Vitest's own API, and finds its worker's agent beside it", () => {
    const path = require.resolve('@isolane/vitest')
    expect(path).toBe(join(root, 'packages/vitest/dist/index.js'))
    const code = hostBundle(path, ['@isolane/core/internal', 'vitest/node'])
    expectEntriesBeside(path, code, /import\.meta\.url, "(\.\/[^"]+)"\)/g, ['./worker/agent.cjs'])
  })

  it("the Jest runner's ES module, which its CommonJS entry hands Jest, is one bundled module that loads only core and the pool (the project's Jest at run time), and finds its worker entry beside it", () => {
    const path = join(root, 'packages/jest/dist/index.js')
    const code = hostBundle(path, ['@isolane/core/internal', '@isolane/pool'])
    expectEntriesBeside(path, code, /new URL\("(\.\/[^"]+)", import\.meta\.url\)/g, ['./entry/worker.js'])
    expect(createRequire(join(root, 'packages/jest/package.json')).resolve('@isolane/jest')).toBe(join(root, 'packages/jest/dist/index.cjs'))
    expect([...readFileSync(join(root, 'packages/jest/dist/index.cjs'), 'utf8').matchAll(/require\('(\.[^']+)'\)/g)].map((m) => m[1])).toEqual(['./index.js'])
  })
})

describe('the scripts a worker loads first', () => {
  for (const [what, path] of Object.entries(BUNDLES)) {
    it(`are one bundled file each: ${what}`, () => {
      const code = readFileSync(path, 'utf8')
      expect(code.startsWith(BUNDLED_MARK), path).toBe(true)
      // Nothing of isolane's own left to load at run time, but core's worker part from the agent and the pool's entry.
      const loads = [...code.matchAll(/[rR]equire(?:\(import\.meta\.url\))?\("([^"]+)"\)/g)].map((m) => m[1]!).filter((name) => name.startsWith('.') || name.startsWith('@isolane/'))
      expect(loads).toEqual(path.endsWith('agent.cjs') || path.endsWith('task-entry.bundle.js') ? ['@isolane/core/worker'] : [])
      // And nothing through an import, which for a CommonJS module runs Node's CommonJS lexer.
      expect([...code.matchAll(/from "([^"]+)"/g)].map((m) => m[1]!).filter((name) => !name.startsWith('node:'))).toEqual([])
    })
  }
})
