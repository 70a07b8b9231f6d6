// Host side: Mocha's own ParallelBufferedRunner, unchanged (events replayed into the real reporter,
// bail, stats, uncaught handling), with an isolane pool where it would use workerpool. Every
// worker loads ./entry/worker.js, runs one spec file and is replaced.
import { fileURLToPath } from 'node:url'
import { isIsolaneError, type IsolationOptions } from '@isolane/core'
import { createPool, type IsolatedPool } from '@isolane/pool'
import { BufferedWorkerPool, ParallelBufferedRunner, deserialize, type BufferedPool, type MochaArgs, type ParallelBufferedRunnerClass, type SerializedWorkerResult } from './_mocha.js'
import type { SpecFileOutcome, SpecFileTask } from './entry/worker.js'
import { workerExited } from './errors.js'

const WORKER_ENTRY = fileURLToPath(new URL('./entry/worker.js', import.meta.url))

export interface PoolSettings {
  jobs: number
  isolation: IsolationOptions
  env: Record<string, string>
  execArgv: string[]
}

/**
 * The pool of a run. Made before Mocha runs (it forks nothing until a file is due): its options are
 * checked then, and a failure there is an error of the run, not one inside Mocha's runner.
 */
export function createSpecFilePool(settings: PoolSettings): IsolatedPool {
  return createPool({
    filename: WORKER_ENTRY,
    maxThreads: settings.jobs,
    // No idle worker waits: a worker is forked for a file when it is due (and none is left
    // behind when Mocha terminates the pool early on --bail).
    minThreads: 0,
    isolateWorkers: true,
    env: settings.env,
    execArgv: settings.execArgv,
    isolation: settings.isolation,
  })
}

/**
 * A ParallelBufferedRunner whose pool is isolane's. Mocha instantiates the runner class itself
 * (`Mocha#run`), so the pool travels in a class made for the run.
 */
export function isolaneRunnerClass(pool: IsolatedPool): ParallelBufferedRunnerClass {
  return class IsolaneRunner extends ParallelBufferedRunner {
    override run(...args: Parameters<InstanceType<ParallelBufferedRunnerClass>['run']>): unknown {
      // ParallelBufferedRunner#run calls BufferedWorkerPool.create() synchronously, before its
      // first await: the factory is swapped for exactly that call, and other runs are untouched.
      const create = BufferedWorkerPool.create
      BufferedWorkerPool.create = () => new SpecFilePool(pool)
      try {
        return super.run(...args)
      } finally {
        BufferedWorkerPool.create = create
      }
    }
  }
}

/** The shape of Mocha's BufferedWorkerPool, over an isolane pool: one fresh worker per file. */
class SpecFilePool implements BufferedPool {
  readonly #pool: IsolatedPool

  constructor(pool: IsolatedPool) {
    this.#pool = pool
  }

  async run(file: string, options: MochaArgs): Promise<SerializedWorkerResult> {
    const task: SpecFileTask = { file, serializedOptions: BufferedWorkerPool.serializeOptions(options) }
    let outcome: SpecFileOutcome
    try {
      outcome = await this.#pool.run<SpecFileOutcome>(task)
    } catch (error) {
      throw asFileFailure(file, error)
    }
    return deserialize(outcome.result as SerializedWorkerResult)
  }

  /** Mocha terminates on --bail and again at the end; the pool's destroy() is idempotent. */
  terminate(): Promise<void> {
    return this.#pool.destroy()
  }

  /** For Mocha's debug output (DEBUG=mocha:parallel*): workers alive are busy, as each runs one file. */
  stats(): ReturnType<BufferedPool['stats']> {
    const { workersRunning } = this.#pool.stats
    return { totalWorkers: workersRunning, busyWorkers: workersRunning, idleWorkers: 0, pendingTasks: 0 }
  }
}

/**
 * What a file's task failed with, as Mocha's runner will report it (an uncaught error attributed
 * to the file). A file that throws while loading keeps its own error (the pool rebuilds it).
 */
function asFileFailure(file: string, error: unknown): unknown {
  if (!isIsolaneError(error) || error.code !== 'ISOLANE_WORKER_EXITED') return error
  // The pool's message says how the process ended ("Worker 1 (pid 42) was killed by SIGKILL ...").
  const how = /(\(pid \d+\) )?(was killed by \S+|exited with code \S+)/.exec(error.message)
  return workerExited(file, how ? `its process ${how[1] ?? ''}${how[2]}` : 'it exited')
}
