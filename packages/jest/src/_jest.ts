// What the adapter uses of Jest, typed as far as it uses it, and where Jest's own modules are found.
// Internal. Jest is the user's (a peer dependency): its jest-runner, the package that runs a test
// file, is found from the user's `jest` package, so that the workers run files with the very Jest
// that called the runner. Only jest-runner's public export is used in the workers (its TestRunner,
// run in band), with the resolver set-up of its own worker (testWorker.js `setup`).
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

/** The require() of jest-runner's own dependencies (jest-docblock, jest-runtime, ...). */
export function requireBeside(modulePath: string): NodeJS.Require {
  return createRequire(`${dirname(modulePath)}/`)
}
