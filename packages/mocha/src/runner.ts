// Host side: Mocha's own ParallelBufferedRunner, unchanged (events replayed into the real reporter,
// bail, stats, uncaught handling), with an isolane pool where it would use workerpool. Every
// worker loads ./entry/worker.js; it runs one spec file and is replaced, or, with reuseWorkers,
// runs file after file as Mocha's own workers do.
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isIsolaneError, type IsolaneError, type IsolationOptions, type LeftoversMode } from '@isolane/core'
import { createPool, describeLeftovers, type IsolatedPool } from '@isolane/pool'
import { BufferedWorkerPool, ParallelBufferedRunner, deserialize, type BufferedPool, type MochaArgs, type ParallelBufferedRunnerClass, type SerializedWorkerResult } from './_mocha.js'
import type { SpecFileOutcome, SpecFileTask, StartWorkerTask } from './entry/worker.js'
import { functionPluginInReusedWorkers, workerExited } from './errors.js'

const WORKER_ENTRY = fileURLToPath(new URL('./entry/worker.js', import.meta.url))

export interface PoolSettings {
  jobs: number
  /** Several files a worker, renewed between them (fresh net, uts, ipc, /tmp, /dev/shm). */
  reuseWorkers: boolean
  leftovers: LeftoversMode
  isolation: IsolationOptions
  /** The workers' environment; without it, the parent's when each worker is forked (as Mocha's pool). */
  env: Record<string, string> | undefined
  execArgv: string[]
}

/**
 * The pool of a run. Made before Mocha runs (it forks nothing until a file is due, so workers
 * start after Mocha's global setup, as Mocha's do): its options are checked then, and a failure
 * there is an error of the run, not one inside Mocha's runner.
 */
export function createSpecFilePool(settings: PoolSettings): IsolatedPool {
  const inline = settings.isolation.plugins?.find((plugin) => !('module' in plugin))
  if (settings.reuseWorkers && inline) throw functionPluginInReusedWorkers(inline.name)
  return createPool({
    filename: WORKER_ENTRY,
    maxThreads: settings.jobs,
    // No idle worker waits: a worker is forked when a file is due and no worker is free (and none
    // is left behind when Mocha terminates the pool early on --bail). Mocha hands over every file
    // at once, so a reused worker finds the next file queued when it is done with one.
    minThreads: 0,
    isolateWorkers: !settings.reuseWorkers,
    renewWorkers: settings.reuseWorkers,
    leftovers: settings.leftovers,
    // Said at once, naming the file (Mocha's reporters write to stdout; this goes to stderr).
    onLeftovers: ({ task, processes }) => process.stderr.write(`isolane-mocha: ${relative(process.cwd(), (task as SpecFileTask).file)} ${describeLeftovers(processes)}\n`),
    env: settings.env,
    execArgv: settings.execArgv,
    isolation: settings.isolation,
  })
}

/**
 * A ParallelBufferedRunner whose pool is isolane's. Mocha instantiates the runner class itself
 * (`Mocha#run`), so the pool travels in a class made for the run.
 */
export function isolaneRunnerClass(pool: IsolatedPool, reuseWorkers: boolean): ParallelBufferedRunnerClass {
  return class IsolaneRunner extends ParallelBufferedRunner {
    override run(...args: Parameters<InstanceType<ParallelBufferedRunnerClass>['run']>): unknown {
      // ParallelBufferedRunner#run calls BufferedWorkerPool.create() synchronously, before its
      // first await: the factory is swapped for exactly that call, and other runs are untouched.
      const create = BufferedWorkerPool.create
      BufferedWorkerPool.create = () => new SpecFilePool(pool, reuseWorkers)
      try {
        return super.run(...args)
      } finally {
        BufferedWorkerPool.create = create
      }
    }
  }
}

/** The shape of Mocha's BufferedWorkerPool, over an isolane pool. */
class SpecFilePool implements BufferedPool {
  readonly #pool: IsolatedPool
  readonly #reuseWorkers: boolean
  /** Files handed to the pool and not answered yet (Mocha hands over every file at once). */
  #inFlight = 0

  constructor(pool: IsolatedPool, reuseWorkers: boolean) {
    this.#pool = pool
    this.#reuseWorkers = reuseWorkers
  }

  async run(file: string, options: MochaArgs): Promise<SerializedWorkerResult> {
    const task: SpecFileTask = { file, serializedOptions: BufferedWorkerPool.serializeOptions(options) }
    let outcome: SpecFileOutcome
    this.#inFlight++
    try {
      outcome = await this.#pool.run<SpecFileOutcome>(task)
    } catch (error) {
      if (this.#reuseWorkers && isWorkerExit(error)) this.#replaceLostWorker()
      throw asFileFailure(file, error)
    } finally {
      this.#inFlight--
    }
    return deserialize(outcome.result as SerializedWorkerResult)
  }

  /**
   * tinypool forks a worker for a task it is given while no worker is free, but not for tasks
   * already queued when a kept worker dies (it replaces workers only up to minThreads, 0 here):
   * with that worker the last one, the queued files would wait for ever. A task that does
   * nothing makes it fork one, which then takes the queued files in order, the no-op last.
   */
  #replaceLostWorker(): void {
    const startWorker: StartWorkerTask = { startWorker: true }
    this.#pool.run(startWorker).catch(() => undefined)
  }

  /** Mocha terminates on --bail and again at the end; the pool's destroy() is idempotent. */
  terminate(): Promise<void> {
    return this.#pool.destroy()
  }

  /** For Mocha's debug output (DEBUG=mocha:parallel*). A worker runs one file at a time. */
  stats(): ReturnType<BufferedPool['stats']> {
    const { workersRunning } = this.#pool.stats
    const busy = Math.min(workersRunning, this.#inFlight)
    return { totalWorkers: workersRunning, busyWorkers: busy, idleWorkers: workersRunning - busy, pendingTasks: this.#inFlight - busy }
  }
}

/**
 * What a file's task failed with, as Mocha's runner will report it (an uncaught error attributed
 * to the file). A file that throws while loading keeps its own error (the pool rebuilds it).
 */
function isWorkerExit(error: unknown): error is IsolaneError {
  return isIsolaneError(error) && error.code === 'ISOLANE_WORKER_EXITED'
}

function asFileFailure(file: string, error: unknown): unknown {
  if (!isWorkerExit(error)) return error
  // The pool's message says how the process ended ("Worker 1 (pid 42) was killed by SIGKILL ...").
  const how = /(\(pid \d+\) )?(was killed by \S+|exited with code \S+)/.exec(error.message)
  return workerExited(file, how ? `its process ${how[1] ?? ''}${how[2]}` : 'it exited')
}
