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
import { reportNetworkAttempts, reportProgress } from '@isolane/pool/worker'
import { workerMocha, type WorkerMocha } from '../mocha-internals.js'
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
 * What a worker tells its host while a file runs (reportProgress()): that the file began (when the
 * host arms a time limit for each file, which starts then: files wait in the queue before), then the
 * events Mocha's parallel-buffered reporter buffers, serialized as it does, in batches: one when a
 * test begins (so that the host knows which test runs before it runs), with the events since the
 * last. The file's result then carries only the events not sent yet (its `events` the tail): the
 * host puts the two together (runner.ts), and no event is serialized or sent twice. If the worker
 * dies first, what was sent is all the host has to say which tests ran and which one was running
 * (a death in a test's afterEach hook is told as one in that test, as Mocha names such a hook's
 * failure after the test). A message a test, not one an
 * event: each is a message to encode, send and decode on both sides.
 */
export type FileProgress =
  | { readonly file: string; readonly began: true }
  | { readonly file: string; readonly events: readonly unknown[] }
  | { readonly file: string; readonly attempt: NetworkAttempt; readonly test: string | undefined }

/** The events Mocha's parallel-buffered reporter buffers (lib/nodejs/reporters/parallel-buffered.cjs). */
const STREAMED_EVENTS = ['suite', 'suite end', 'test', 'pending', 'fail', 'pass', 'retry', 'test end', 'hook', 'hook end']

/** A file's events on their way to the host (see FileProgress): serialized as they happen, sent a test at a time. */
class EventStream {
  readonly #file: string
  readonly #events: WorkerMocha['SerializableEvent']
  #batch: unknown[] = []

  constructor(file: string, events: WorkerMocha['SerializableEvent']) {
    this.#file = file
    this.#events = events
  }

  add(name: string, runnable: unknown, error: unknown): void {
    this.#batch.push(this.#events.create(name, runnable, error).serialize())
    if (name === 'test') reportProgress({ file: this.#file, events: this.unsent() } satisfies FileProgress)
  }

  /** The events not sent yet, for the file's result. */
  unsent(): unknown[] {
    const rest = this.#batch
    this.#batch = []
    return rest
  }
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

/** The file and test running now in this worker: what a network attempt is reported with. */
const running: { file: string | undefined; test: string | undefined } = { file: undefined, test: undefined }

async function runSpecFile({ file, serializedOptions, networkHowToAllow, keep, mochaDir, announce }: SpecFileTask): Promise<SpecFileOutcome> {
  const { Mocha, SerializableEvent, validateLegacyPlugin } = mochaModules(mochaDir)
  if (networkHowToAllow !== undefined) reportNetworkAttempts(networkHowToAllow, (attempt) => (running.file === undefined ? undefined : ({ file: running.file, attempt, test: running.test } satisfies FileProgress)))
  running.file = file
  running.test = undefined
  // serialize-javascript output (it keeps RegExps such as `grep`); evaluated as Mocha's worker does.
  const argv = (0, eval)(`(${serializedOptions})`) as Record<string, unknown>
  const options: Record<string, unknown> = { ui: 'bdd', ...argv, parallel: false, forbidOnly: true, isWorker: true }
  options.rootHooks = (await bootstrap(options, mochaModules(mochaDir))).rootHooks
  if (typeof options.ui === 'string' && !Mocha.interfaces[options.ui]) {
    // A custom interface: Mocha's own lookup (which also tries a path relative to the cwd).
    validateLegacyPlugin(options, 'ui', Mocha.interfaces)
  }

  if (announce) reportProgress({ file, began: true } satisfies FileProgress)
  // A new Mocha instance per file, as in Mocha's worker: its own root suite, runner and reporter.
  const mocha = new Mocha(options).addFile(file)
  await mocha.loadFilesAsync()
  const events = new EventStream(file, SerializableEvent)
  const result = await new Promise<unknown>((resolve) => {
    const runner = mocha.run((runResult) => {
      // Mocha's runner leaves its handlers behind; the worker's own must not outlive the run.
      process.removeAllListeners('uncaughtException')
      process.removeAllListeners('unhandledRejection')
      // Mocha's SerializableWorkerResult, serialized: the events sent so far are with the host
      // already, the result brings the rest.
      const failureCount = (runResult as { failureCount?: number }).failureCount ?? 0
      resolve({ __type: 'SerializableWorkerResult', failureCount, events: events.unsent() })
    })
    // The runner emits from the next tick on: every event is heard.
    runner.on('test', (test) => (running.test = (test as { fullTitle(): string }).fullTitle()))
    runner.on('test end', () => (running.test = undefined))
    for (const name of STREAMED_EVENTS) runner.on(name, (runnable, error) => events.add(name, runnable, error))
  })
  const failures = (result as { failureCount?: number }).failureCount ?? 0
  if (!keep || failures === 0) return { pid: process.pid, result }
  // Kept from here: the holder stays when this worker ends, and is no leftover of the file.
  const workerId = Number(process.env.ISOLANE_WORKER_ID)
  return { pid: process.pid, result, kept: { holder: holdNamespaces(), hostname: hostname(), workerId: Number.isInteger(workerId) ? workerId : undefined } }
}
