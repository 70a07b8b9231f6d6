// What the adapter uses of Jest, typed as far as it uses it, and what it relies on of Jest beyond
// the documented runner interface (a class with runTests() and on(), given Jest's configs), in one
// place. Checked against Jest 30.5.2 (JEST_CHECKED_VERSIONS); missingJestInternals() checks an
// installed Jest, and test/host-seams.test.ts fails loudly, naming the version and what is
// missing, when one of these is gone. Jest is the user's (a peer dependency). It relies on:
// - Jest's layout: `jest` depends on @jest/core, which depends on jest-runner, the package that
//   runs a test file: found that way from the user's `jest`, so that the workers run files with
//   the very Jest that called the runner (jestRunnerPath());
// - in the workers, jest-runner's default export (its TestRunner, run in band: runTests() and its
//   events), and the resolver set-up of jest-runner's own worker (testWorker.js `setup`):
//   jest-haste-map's `getStatic(config).getModuleMapFromJSON()`, jest-resolve's
//   `preloadResolver()` (when there), jest-runtime's `createResolver()` (loadJestForWorker());
// - jest-docblock's extract() and parse(), to read a file's pragma as Jest does (jestDocblock()).
import { createRequire } from 'node:module'
import { dirname } from 'node:path'

/** Jest's ProjectConfig, as far as the adapter reads it (the rest travels to the worker as is). */
export interface ProjectConfig {
  readonly id: string
  readonly rootDir: string
  readonly cacheDirectory: string
  readonly runnerOptions?: Record<string, unknown>
  readonly [key: string]: unknown
}

/** Jest's GlobalConfig, as far as the adapter reads it. */
export interface GlobalConfig {
  readonly maxWorkers: number
  readonly rootDir: string
  readonly [key: string]: unknown
}

/** A test file as Jest's scheduler hands it to a runner. */
export interface Test {
  readonly path: string
  readonly context: {
    readonly config: ProjectConfig
    readonly moduleMap: { toJSON(): unknown }
  }
}

/** Jest's TestWatcher (jest-watcher), as a runner uses it. */
export interface TestWatcher {
  isInterrupted(): boolean
  on(event: 'change', listener: (state: { interrupted: boolean }) => void): unknown
}

export interface TestRunnerContext {
  readonly changedFiles?: Set<string>
  readonly sourcesRelatedToTestsInChangedFiles?: Set<string>
}

/** Jest's SerializableError: what a file that could not run fails with. */
export interface SerializableError {
  readonly code?: unknown
  readonly message: string
  readonly stack: string | null | undefined
  readonly type?: string
}

/** The events an emitting runner reports, with their arguments (TestEvents of @jest/test-result). */
export interface TestEvents {
  'test-file-start': [Test]
  'test-file-success': [Test, TestResult]
  'test-file-failure': [Test, SerializableError]
  'test-case-start': [string, TestCaseStartInfo]
  'test-case-result': [string, AssertionResult]
}

export interface TestCaseStartInfo {
  readonly fullName: string
  readonly [key: string]: unknown
}

export interface AssertionResult {
  readonly fullName: string
  readonly status: string
  readonly [key: string]: unknown
}

export interface TestResult {
  readonly testFilePath: string
  readonly [key: string]: unknown
}

/** The absolute path of jest-runner's main module, the one of the `jest` this adapter runs under; undefined if none is found. */
export function jestRunnerPath(rootDir: string): string | undefined {
  // From the project (its own jest), else from this package (jest is its peer dependency).
  for (const from of [`${rootDir}/package.json`, import.meta.url]) {
    try {
      const jest = createRequire(from).resolve('jest/package.json')
      const core = createRequire(jest).resolve('@jest/core')
      return createRequire(core).resolve('jest-runner')
    } catch {
      // Not from here: the next place.
    }
  }
  return undefined
}

/** The Jest versions this file was checked against. */
export const JEST_CHECKED_VERSIONS = ['30.5.2'] as const

/** The require() of jest-runner's own dependencies (jest-docblock, jest-runtime, ...). */
function requireBeside(modulePath: string): NodeJS.Require {
  return createRequire(`${dirname(modulePath)}/`)
}

/** jest-docblock, beside the jest-runner at `jestRunner`. */
export interface JestDocblock {
  extract(source: string): string
  parse(docblock: string): Record<string, string | string[]>
}

export function jestDocblock(jestRunner: string): JestDocblock {
  return requireBeside(jestRunner)('jest-docblock') as JestDocblock
}

/** jest-runner's TestRunner class (its default export). */
export interface JestRunnerModule {
  default: new (globalConfig: GlobalConfig, context: Record<string, unknown>) => InBandRunner
}

export interface InBandRunner {
  runTests(tests: unknown[], watcher: { isInterrupted(): boolean }, options: { serial: true }): Promise<void>
  on(event: string, listener: (payload: unknown[]) => unknown): () => void
}

/** What a worker uses of the Jest whose jest-runner is at `jestRunner`: the runner, and a project's resolver as testWorker.js `setup` makes it. */
export interface WorkerJest {
  readonly runner: JestRunnerModule
  createResolver(config: ProjectConfig, moduleMap: unknown): Promise<unknown>
}

interface ResolverModules {
  HasteMap: { getStatic(config: ProjectConfig): { getModuleMapFromJSON(json: unknown): unknown } }
  preloadResolver?: (resolver: unknown) => Promise<void>
  Runtime: { createResolver(config: ProjectConfig, moduleMap: unknown): unknown }
}

function resolverModules(require: NodeJS.Require): ResolverModules {
  return {
    HasteMap: (require('jest-haste-map') as { default: ResolverModules['HasteMap'] }).default,
    preloadResolver: (require('jest-resolve') as Pick<ResolverModules, 'preloadResolver'>).preloadResolver,
    Runtime: (require('jest-runtime') as { default: ResolverModules['Runtime'] }).default,
  }
}

export function loadJestForWorker(jestRunner: string): WorkerJest {
  const require = createRequire(jestRunner)
  const runner = require(jestRunner) as JestRunnerModule
  const { HasteMap, preloadResolver, Runtime } = resolverModules(require)
  // As testWorker.js setup(): the module map from its JSON, the custom resolver loaded while awaiting is possible.
  const createResolver = async (config: ProjectConfig, moduleMap: unknown) => {
    const map = HasteMap.getStatic(config).getModuleMapFromJSON(moduleMap)
    await preloadResolver?.(config.resolver)
    return Runtime.createResolver(config, map)
  }
  return { runner, createResolver }
}

/** What this file relies on that the Jest found from `rootDir` (as the runner finds it) lacks, one line each; empty when all is there. */
export function missingJestInternals(rootDir: string): string[] {
  const jestRunner = jestRunnerPath(rootDir)
  if (jestRunner === undefined) return ['jest-runner, a dependency of @jest/core, a dependency of jest']
  const missing: string[] = []
  const require = createRequire(jestRunner)
  const attempt = (what: string, check: () => boolean) => {
    try {
      if (!check()) missing.push(what)
    } catch {
      missing.push(what)
    }
  }
  attempt("jest-runner: its default export's runTests() and on()", () => {
    const TestRunner = (require(jestRunner) as Partial<JestRunnerModule>).default
    return typeof TestRunner?.prototype?.runTests === 'function' && typeof TestRunner.prototype.on === 'function'
  })
  attempt('jest-haste-map: getStatic()', () => typeof resolverModules(require).HasteMap?.getStatic === 'function')
  attempt('jest-runtime: createResolver()', () => typeof resolverModules(require).Runtime?.createResolver === 'function')
  attempt('jest-docblock: extract() and parse()', () => {
    const docblock = jestDocblock(jestRunner)
    return typeof docblock.extract === 'function' && typeof docblock.parse === 'function'
  })
  return missing
}
