// What the pool uses of Vitest beyond its public custom-pool API, in one place. The pool enters
// Vitest through its documented door (`PoolRunnerInitializer` and `PoolWorker` of vitest/node, its
// typed `WorkerRequest`/`WorkerResponse` messages, `PoolOptions.distPath`'s workers/forks.js as
// the forks pool runs it); what it relies on past that, all on the Vitest instance
// (`project.vitest`): the run's state (`vitest.state`: its files by path, `clearFiles()` that
// registers a file Vitest has not heard of, `cancelFiles()`), the run's reporting
// (`vitest._testRun`: what a worker's own reports go through) and `vitest.isCancelling`. In the
// worker, the agent (worker/agent.cts) watches the worker state's `current`, which Vitest's test
// runner sets to a test as it begins and to its suite once its result is final (onBeforeRunTask,
// onAfterRunTask); where that changed, the pool would only name the running test as Vitest's
// updates tell it (test/vitest-failures.test.ts fails).
// Checked against Vitest 4.1.12 and 5.1.2 (VITEST_CHECKED_VERSIONS), where each is the same.
// missingVitestInternals() checks a live instance: test/host-seams.test.ts fails loudly, naming
// the version and what is missing, when the workspace's Vitest no longer has one of them,
// test/packed-packages.test.ts when Vitest 5 does.
import { internalError } from '@isolane/core/internal'
import type { TestProject } from 'vitest/node'
import type { TestNotice, TestUpdate } from './agent-protocol.js'

/** A test or suite of Vitest's runner, as much of it as the pool reads and writes. */
interface Task {
  readonly id: string
  readonly type: 'test' | 'suite'
  readonly name: string
  readonly mode: string
  readonly tasks?: Task[]
  meta: object
  result?: { state: string; errors?: unknown[]; duration?: number }
}

interface FileTask extends Task {
  readonly projectName: string | undefined
}

type TaskUpdate = [id: string, result: Task['result'], meta: object]
type TaskEvent = [id: string, event: string, data: undefined]

interface VitestInternals {
  readonly isCancelling?: boolean
  readonly state: {
    readonly filesMap: Map<string, FileTask[]>
    clearFiles(project: TestProject, paths: string[]): void
    cancelFiles(files: ReadonlyArray<{ filepath: string }>, project: TestProject): void
  }
  readonly _testRun: {
    enqueued(project: TestProject, file: FileTask): Promise<void>
    updated(update: TaskUpdate[], events: TaskEvent[]): Promise<void>
  }
}

function internals(project: TestProject): VitestInternals {
  return project.vitest as unknown as VitestInternals
}

/** The Vitest versions this file was checked against. */
export const VITEST_CHECKED_VERSIONS = ['4.1.12', '5.1.2'] as const

/** What this file relies on that the project's Vitest instance lacks, one line each; empty when all is there. */
export function missingVitestInternals(project: TestProject): string[] {
  const vitest = internals(project)
  const missing: string[] = []
  if (!(vitest.state?.filesMap instanceof Map)) missing.push('vitest.state.filesMap')
  if (typeof vitest.state?.clearFiles !== 'function') missing.push('vitest.state.clearFiles()')
  if (typeof vitest.state?.cancelFiles !== 'function') missing.push('vitest.state.cancelFiles()')
  if (typeof vitest._testRun?.enqueued !== 'function') missing.push('vitest._testRun.enqueued()')
  if (typeof vitest._testRun?.updated !== 'function') missing.push('vitest._testRun.updated()')
  if (!('isCancelling' in vitest)) missing.push('vitest.isCancelling')
  return missing
}

/** Whether Vitest is cancelling the run (--bail, Ctrl+C): what its own pool reads to skip the files not started. */
export function isCancelling(project: TestProject): boolean {
  return internals(project).isCancelling === true
}

/** Reports files as skipped, as Vitest does for the files it had not started when a run is cancelled. */
export function cancelFiles(project: TestProject, files: ReadonlyArray<{ filepath: string }>): void {
  internals(project).state.cancelFiles(files, project)
}

/** Why a file could not finish: said on the file, on the test that was running, and on the tests after it. */
export interface FileFailure {
  /** The file's own error, naming what happened to its worker. */
  file(running: string | undefined): string
  /** The error of a test that had not finished: `running` is whether it was the one under way. */
  test(running: boolean): string
}

/**
 * What a worker's agent told of each file's tests as they ran (TestNotice): the test that began
 * last, and the updates of the tests that ended, which Vitest's own batched updates may not have
 * brought before the worker died.
 */
export class TestsTold {
  readonly #files = new Map<string, { running: { id: string; name: string } | undefined; ended: TestUpdate[] }>()

  constructor(notices: Iterable<TestNotice> = []) {
    for (const notice of notices) this.heard(notice)
  }

  heard({ file, running, ended }: TestNotice): void {
    let told = this.#files.get(file)
    if (!told) this.#files.set(file, (told = { running: undefined, ended: [] }))
    if (ended) {
      told.ended.push(ended)
      if (told.running?.id === ended[0]) told.running = undefined
    }
    if (running) told.running = running
  }

  of(path: string): { running: { id: string; name: string } | undefined; ended: readonly TestUpdate[] } | undefined {
    return this.#files.get(path)
  }
}

/**
 * Marks each file that has not finished as failed, as a worker would report it: the file with
 * `failure.file()`, each of its tests without a result with `failure.test()`. A file Vitest had
 * not heard of yet (the worker died before it began) is registered first. Files already finished
 * are left as they are. What the worker's agent told (`told`) comes first: the tests that ended,
 * with their results, and the one that was running, where Vitest had not heard of them yet.
 */
export async function failUnfinishedFiles(project: TestProject, paths: readonly string[], failure: FileFailure, told?: TestsTold): Promise<void> {
  const vitest = internals(project)
  for (const path of paths) {
    let file = fileTaskOf(project, path)
    if (file?.result && file.result.state !== 'run' && file.result.state !== 'queued') continue
    if (!file) {
      vitest.state.clearFiles(project, [path])
      file = fileTaskOf(project, path)
      if (!file) throw internalError(`Vitest registered no task for ${path}`)
      await vitest._testRun.enqueued(project, file)
    }
    const update: TaskUpdate[] = []
    const events: TaskEvent[] = []
    const isUnfinished = (test: Task) => test.mode === 'run' && (!test.result || test.result.state === 'run' || test.result.state === 'queued')
    const tests = testsOf(file)
    const agent = told?.of(path)
    for (const [id, result, meta] of agent?.ended ?? []) {
      const test = tests.find((candidate) => candidate.id === id)
      if (!test || !isUnfinished(test)) continue
      // As the worker would have: announced, then finished with the result it had.
      if (!test.result) events.push([test.id, 'test-prepare', undefined])
      test.result = result as Task['result']
      test.meta = meta
      update.push([test.id, test.result, test.meta])
      events.push([test.id, 'test-finished', undefined])
    }
    const unfinished = tests.filter(isUnfinished)
    const running = unfinished.find((test) => (agent?.running ? test.id === agent.running.id : test.result?.state === 'run'))
    for (const test of unfinished) {
      // A test the worker never reported as started is announced first, as the worker would have.
      if (!test.result) events.push([test.id, 'test-prepare', undefined])
      test.result = { state: 'fail', errors: [asVitestError(failure.test(test === running))], duration: 0 }
      update.push([test.id, test.result, test.meta])
      events.push([test.id, 'test-finished', undefined])
    }
    const collected = (file.tasks?.length ?? 0) > 0
    file.result = { state: 'fail', errors: [asVitestError(failure.file(running?.name))] }
    update.push([file.id, file.result, file.meta])
    // A file whose tests were collected ends as a finished module; one that died while loading fails early, as an import error does.
    events.push([file.id, collected ? 'suite-finished' : 'suite-failed-early', undefined])
    await vitest._testRun.updated(update, events)
  }
}

/** Whether the file, or a test in it, failed, as the worker has reported it so far. */
export function fileFailed(project: TestProject, path: string): boolean {
  const file = fileTaskOf(project, path)
  if (!file) return false
  return file.result?.state === 'fail' || testsOf(file).some((test) => test.result?.state === 'fail')
}

function fileTaskOf(project: TestProject, path: string): FileTask | undefined {
  return internals(project).state.filesMap.get(path)?.find((file) => file.projectName === project.config.name)
}

function testsOf(task: Task): Task[] {
  return (task.tasks ?? []).flatMap((child) => (child.type === 'test' ? [child] : testsOf(child)))
}

/** An error as a worker sends it (serialized), which Vitest shows with its message. */
function asVitestError(message: string): { name: string; message: string; stack: string } {
  return { name: 'IsolaneError', message, stack: `IsolaneError: ${message}` }
}
