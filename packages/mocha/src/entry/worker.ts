// Runs in a pool worker (a fresh process in fresh namespaces): one spec file per worker, or file
// after file with reuseWorkers. Does what Mocha's own `lib/nodejs/worker.cjs` does, without
// workerpool: load the `--require` modules once per worker (root hooks; global fixtures belong to
// the parent), run each file in a new Mocha instance with the `parallel-buffered` reporter the
// parent chose (the root hooks run around every file), and hand back the buffered events,
// serialized by Mocha's serializer. As there, the module cache is kept between files: modules a
// spec file shares with the files before it in the same worker are not loaded again.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { hostname } from 'node:os'
import { recordProgress, reportNetworkAttempts, reportProgress } from '@isolane/pool/worker'
import { workerMocha, type WorkerMocha, type WorkerRunner } from '../mocha-internals.js'
import { mochaAt } from '../mocha-package.js'

// core's worker part is one CommonJS file: required, as an import would have Node's CommonJS
// lexer read all of it for its names (tens of ms of CPU in a worker's start, most of it compiling the lexer).
type NetworkAttempt = import('@isolane/core/worker').NetworkAttempt
const { holdNamespaces } = createRequire(import.meta.url)('@isolane/core/worker') as typeof import('@isolane/core/worker')

let loaded: { dir: string; modules: WorkerMocha } | undefined

/** The modules of the project's Mocha this worker uses: the one the host runs (its directory comes with each task). */
function mochaModules(dir: string): WorkerMocha {
  if (loaded?.dir === dir) return loaded.modules
  const modules = workerMocha(mochaAt(dir))
  loaded = { dir, modules }
  return modules
}

/**
 * What a worker tells its host as it happens (reportProgress()): that the file began (when the host
 * arms a time limit for each file, which starts then: files wait in the queue before), and a test's
 * attempt to reach outside the worker's network.
 */
export type FileProgress =
  | { readonly file: string; readonly began: true }
  | { readonly file: string; readonly attempt: NetworkAttempt; readonly test: string | undefined }

/**
 * What a worker writes down as a file runs (recordProgress()), for its host to read only if the
 * worker dies before the file's result: the events Mocha's parallel-buffered reporter buffers,
 * serialized as it does, in batches, one when a test begins (so that the host knows which test
 * runs before it runs) with the events since the last. They are then all the host has to say which
 * tests ran and which one was running (a death in a test's afterEach hook is told as one in that
 * test, as Mocha names such a hook's failure after the test). A batch a test, not one an event:
 * each is a write(2).
 */
export interface RecordedEvents {
  readonly file: string
  readonly events: readonly unknown[]
}

/** The events Mocha's parallel-buffered reporter buffers (lib/nodejs/reporters/parallel-buffered.cjs), and those it buffers once (--delay's). */
const BUFFERED_EVENTS = ['suite', 'suite end', 'test', 'pending', 'fail', 'pass', 'retry', 'test end', 'hook', 'hook end']
const BUFFERED_ONCE = ['waiting', 'ready']

/**
 * The reporter of a file's Mocha instance, in place of Mocha's parallel-buffered one: the same
 * events (and Base's doings, which set a passed test's speed), serialized as they happen rather
 * than at the end, and recorded a test at a time (RecordedEvents); its result, Mocha's serialized
 * SerializableWorkerResult, carries them all. Each event is made and serialized once. Made for each
 * file, with the file's name and the project's Mocha.
 */
function recordingReporter(file: string, { Mocha, SerializableEvent }: WorkerMocha) {
  return class RecordingReporter extends Mocha.reporters.Base {
    readonly #events: unknown[] = []
    /** Where the events not recorded yet begin. */
    #unrecorded = 0

    constructor(runner: WorkerRunner, options: unknown) {
      super(runner, options)
      const add = (name: string) => (runnable: unknown, error: unknown) => this.#add(name, runnable, error)
      for (const name of BUFFERED_EVENTS) runner.on(name, add(name))
      for (const name of BUFFERED_ONCE) runner.once(name, add(name))
      runner.on('test', (test) => (running.test = test as RunningTest))
      runner.on('test end', () => (running.test = undefined))
    }

    #add(name: string, runnable: unknown, error: unknown): void {
      this.#events.push(SerializableEvent.create(name, runnable, error).serialize())
      if (name !== 'test') return
      recordProgress({ file, events: this.#events.slice(this.#unrecorded) } satisfies RecordedEvents)
      this.#unrecorded = this.#events.length
    }

    done(failureCount: number, callback: (result: SerializedResult) => void): void {
      callback({ __type: 'SerializableWorkerResult', failureCount, events: this.#events })
    }
  }
}

interface SerializedResult {
  __type: 'SerializableWorkerResult'
  failureCount: number
  events: unknown[]
}

/** The task the host sends: a spec file and the options as `BufferedWorkerPool.serializeOptions()` wrote them. */
export interface SpecFileTask {
  file: string
  serializedOptions: string
  /** Set when the worker has a network namespace of its own and attempts outside it are reported: how to allow one. */
  networkHowToAllow?: string
  /** Keep this worker's namespaces if the file fails (--isolane-keep on-failure). */
  keep?: boolean
  /** Say when the file begins: the host then arms its time limit (--isolane-file-timeout). */
  announce?: boolean
  /** The directory of the project's Mocha, which the host runs: the worker runs the file with it. */
  mochaDir: string
}

/** Sent by the host only to make the pool fork a worker (see runner.ts): does nothing. */
export interface StartWorkerTask {
  startWorker: true
}

export interface SpecFileOutcome {
  pid: number
  /** Mocha's SerializableWorkerResult: JSON-safe. */
  result: unknown
  /** The file failed and its namespaces are kept: the process that holds them, and the worker's hostname. */
  kept?: { holder: number; hostname: string; workerId: number | undefined }
}

/**
 * Mocha's handleRequires (lib/cli/run-helpers.cjs), with Mocha's PluginLoader and requireOrImport:
 * run-helpers itself would also load Mocha's watch machinery (chokidar, glob), about 0.1 s of CPU
 * in every worker, and every spec file has a worker of its own. Global fixtures belong to the parent.
 */
async function loadRequires(requires: unknown, { PluginLoader, requireOrImport }: WorkerMocha): Promise<{ rootHooks?: unknown }> {
  const loader = PluginLoader.create({ ignore: ['mochaGlobalSetup', 'mochaGlobalTeardown'] })
  for (const mod of Array.isArray(requires) ? (requires as string[]) : []) {
    // As Mocha: relative to the cwd when such a file exists, else a module name.
    const path = existsSync(mod) || existsSync(`${mod}.js`) ? resolve(mod) : mod
    const loaded = await requireOrImport(path)
    if (loaded && typeof loaded === 'object') loader.load(loaded)
  }
  return loader.finalize()
}

/**
 * What Mocha's worker does on its first file only (its `bootstrap`): the `--require` modules are
 * loaded once per worker, and their root hooks serve every file the worker runs.
 */
let bootstrapped: Promise<{ rootHooks?: unknown }> | undefined

function bootstrap(options: Record<string, unknown>, mocha: WorkerMocha): Promise<{ rootHooks?: unknown }> {
  if (bootstrapped) return bootstrapped
  // Mocha's pool numbers its workers from 0 in MOCHA_WORKER_ID; the isolane pool numbers every
  // worker it forks from 1 in ISOLANE_WORKER_ID. Tests that use Mocha's variable keep working.
  const isolaneWorkerId = Number(process.env.ISOLANE_WORKER_ID)
  if (process.env.MOCHA_WORKER_ID === undefined && Number.isInteger(isolaneWorkerId)) process.env.MOCHA_WORKER_ID = String(isolaneWorkerId - 1)
  bootstrapped = loadRequires(options.require, mocha)
  // As Mocha's bootstrap, which marks itself done only once it succeeded: the next file tries again.
  bootstrapped.catch(() => (bootstrapped = undefined))
  return bootstrapped
}

export default async function runTask(task: SpecFileTask | StartWorkerTask): Promise<SpecFileOutcome | null> {
  return 'startWorker' in task ? null : runSpecFile(task)
}

type RunningTest = { fullTitle(): string }

/** The file and test running now in this worker: what a network attempt is reported with. */
const running: { file: string | undefined; test: RunningTest | undefined } = { file: undefined, test: undefined }

async function runSpecFile({ file, serializedOptions, networkHowToAllow, keep, mochaDir, announce }: SpecFileTask): Promise<SpecFileOutcome> {
  const mochaModule = mochaModules(mochaDir)
  const { Mocha, validateLegacyPlugin } = mochaModule
  if (networkHowToAllow !== undefined) reportNetworkAttempts(networkHowToAllow, (attempt) => (running.file === undefined ? undefined : ({ file: running.file, attempt, test: running.test?.fullTitle() } satisfies FileProgress)))
  running.file = file
  running.test = undefined
  // serialize-javascript output (it keeps RegExps such as `grep`); evaluated as Mocha's worker does.
  const argv = (0, eval)(`(${serializedOptions})`) as Record<string, unknown>
  // The worker's reporter is the one that records (Mocha's default worker reporter, parallel-buffered, does the same less the recording).
  const options: Record<string, unknown> = { ui: 'bdd', ...argv, reporter: recordingReporter(file, mochaModule), parallel: false, forbidOnly: true, isWorker: true }
  options.rootHooks = (await bootstrap(options, mochaModule)).rootHooks
  if (typeof options.ui === 'string' && !Mocha.interfaces[options.ui]) {
    // A custom interface: Mocha's own lookup (which also tries a path relative to the cwd).
    validateLegacyPlugin(options, 'ui', Mocha.interfaces)
  }

  if (announce) reportProgress({ file, began: true } satisfies FileProgress)
  // A new Mocha instance per file, as in Mocha's worker: its own root suite, runner and reporter.
  const mocha = new Mocha(options).addFile(file)
  await mocha.loadFilesAsync()
  const result = await new Promise<SerializedResult>((resolve) => {
    mocha.run((result) => {
      // Mocha's runner leaves its handlers behind; the worker's own must not outlive the run.
      process.removeAllListeners('uncaughtException')
      process.removeAllListeners('unhandledRejection')
      resolve(result as SerializedResult)
    })
  })
  const failures = (result as { failureCount?: number }).failureCount ?? 0
  if (!keep || failures === 0) return { pid: process.pid, result }
  // Kept from here: the holder stays when this worker ends, and is no leftover of the file.
  const workerId = Number(process.env.ISOLANE_WORKER_ID)
  return { pid: process.pid, result, kept: { holder: holdNamespaces(), hostname: hostname(), workerId: Number.isInteger(workerId) ? workerId : undefined } }
}
