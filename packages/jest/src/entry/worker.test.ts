// The worker's side of the module map (entry/worker.ts): a reused worker is sent the project's
// module map only when it asks, by answering a task without it.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { jestRunnerPath } from '../jest-internals.js'
import runTestFile, { type TestFileTask } from './worker.js'

const jestRunner = jestRunnerPath(join(import.meta.dirname, '../../../../fixtures/jest/binds-port-3000'))
if (jestRunner === undefined) console.warn('skipping the module map test: Jest is not installed')

describe('a Jest worker', () => {
  it.skipIf(jestRunner === undefined)('asks for the module map of a project it has not seen, and runs nothing until it has it', async () => {
    const task: TestFileTask = { path: '/no/such/file.test.js', config: { id: 'isolane-worker-test' } as TestFileTask['config'], globalConfig: {} as TestFileTask['globalConfig'], context: {}, jestRunner: jestRunner! }
    expect(await runTestFile(task)).toEqual({ needsModuleMap: true })
  })
})
