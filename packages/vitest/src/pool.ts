// `isolane()`: the pool a user puts in `test.pool`. Everything that can be wrong with the options
// or the machine is found here, when the config loads, before any worker starts.
import { announceOnce, chooseWay, createPlan, describeKept, describeNetworkAttempts, IsolaneError, LEFTOVERS_MODES, type IsolationOptions, type KeptWorker, type LeftoversMode, type TestNetworkAttempt } from '@isolane/core/internal'
import { version as vitestVersion, type PoolOptions, type PoolRunnerInitializer, type PoolWorker, type TestProject } from 'vitest/node'
import { cannotIsolateMessage, fileTimeoutMessage, keepMessage, keepWithPidMessage, NETWORK_HOW_TO_ALLOW, POOL_NAME, vitestVersionMessage } from './_messages.js'
import { IsolanePoolWorker } from './pool-worker.js'

/** What a run's workers report for its end: what tests tried to reach outside their network, what was kept. Said once, when Vitest closes. */
interface EndOfRun {
  readonly attempts: TestNetworkAttempt[]
  readonly kept: KeptWorker[]
}

const endOfRuns = new WeakMap<object, EndOfRun>()

function endOfRun(project: TestProject): EndOfRun {
  const { vitest } = project
  let report = endOfRuns.get(vitest)
  if (report) return report
  const fresh: EndOfRun = { attempts: [], kept: [] }
  endOfRuns.set(vitest, fresh)
  vitest.onClose(() => {
    if (fresh.attempts.length > 0) vitest.logger.error(describeNetworkAttempts(fresh.attempts, { tool: 'isolane', root: project.config.root, howToAllow: NETWORK_HOW_TO_ALLOW, optOut: 'isolane({ reportNetworkAttempts: false })' }))
    if (fresh.kept.length > 0) vitest.logger.error(describeKept(fresh.kept, 'isolane'))
    fresh.attempts.length = 0
    fresh.kept.length = 0
  })
  return fresh
}

/** The pool's options: the isolation every worker gets unless a file asks otherwise, and what is done between files. */
export interface IsolanePoolOptions extends IsolationOptions {
  /**
   * What a test file leaves running (a server process, a detached child): 'stop' (default) stops
   * it after the file and warns, naming the file; 'fail' stops it and fails the run; 'keep' leaves it.
   */
  leftovers?: LeftoversMode
  /**
   * A hard time limit for each test file, in milliseconds (default 0: none). A file still running
   * past it has its worker killed and is reported as failed, timed out, like a file whose worker
   * died; the other files run on. For code that never yields, which Vitest's own testTimeout cannot stop.
   */
  fileTimeout?: number
  /**
   * Default true: a test's failed attempt to reach outside its worker's network (a connect or DNS
   * lookup that only the host's network could serve) gets, on its error, what happened and how to
   * allow it, and the run ends with a short list of them (file, test, destination). false: neither.
   */
  reportNetworkAttempts?: boolean
  /**
   * 'on-failure': the namespaces of a worker whose file failed outlive it (its network, /tmp,
   * hostname, IPC), for `isolane enter NAME` to step in; the run ends with their names. Default 'never'.
   */
  keep?: 'never' | 'on-failure'
}

/**
 * A Vitest pool like the stock `forks` pool whose every worker is forked into fresh namespaces
 * (net, mnt, ipc, uts by default, `lo` up, a private /tmp and /dev/shm).
 */
export function isolane({ leftovers = 'stop', fileTimeout = 0, reportNetworkAttempts = true, keep = 'never', ...options }: IsolanePoolOptions = {}): PoolRunnerInitializer {
  checkVitestVersion(vitestVersion)
  if (!LEFTOVERS_MODES.includes(leftovers))
    throw new IsolaneError('ISOLANE_INVALID_OPTIONS', `isolane pool: \`leftovers\` must be "stop", "fail" or "keep", got ${JSON.stringify(leftovers)}. To fix: use "stop" (the default), "fail" or "keep".`, { hint: 'use "stop", "fail" or "keep"' })
  if (typeof fileTimeout !== 'number' || !Number.isFinite(fileTimeout) || fileTimeout < 0) throw new IsolaneError('ISOLANE_INVALID_OPTIONS', fileTimeoutMessage(fileTimeout), { hint: 'give a number of milliseconds' })
  if (typeof reportNetworkAttempts !== 'boolean') throw new IsolaneError('ISOLANE_INVALID_OPTIONS', `isolane pool: \`reportNetworkAttempts\` must be true or false, got ${JSON.stringify(reportNetworkAttempts)}. To fix: leave it out (true), or set false.`, { hint: 'use true or false' })
  if (keep !== 'never' && keep !== 'on-failure') throw new IsolaneError('ISOLANE_INVALID_OPTIONS', keepMessage(keep), { hint: 'use "on-failure" or leave it out' })
  // Validated once with a sample worker id, so that a bad hostname template fails here too.
  const plan = createPlan(options, { workerId: 1 })
  if (keep === 'on-failure' && plan.kinds.includes('pid')) throw new IsolaneError('ISOLANE_INVALID_OPTIONS', keepWithPidMessage(), { hint: 'leave pid out, or keep out' })
  // The way the workers' namespaces are made here: as root in the pool's own window, else in a
  // user namespace of each worker's own; where neither works, refused now (or said, with fallback: 'none').
  const verdict = chooseWay(plan)
  if (!verdict.ok) throw new IsolaneError(verdict.error.code, cannotIsolateMessage(plan.kinds, verdict.error.message), { hint: verdict.error.hint, cause: verdict.error })
  if (verdict.notice) announceOnce(verdict.notice)
  let workers = 0
  return {
    name: POOL_NAME,
    createPoolWorker(poolOptions: PoolOptions): PoolWorker {
      workers += 1
      const onNetworkAttempts = (attempts: readonly TestNetworkAttempt[]) => endOfRun(poolOptions.project).attempts.push(...attempts)
      const onKept = (worker: KeptWorker) => endOfRun(poolOptions.project).kept.push(worker)
      return new IsolanePoolWorker(poolOptions, options, workers, { leftovers, fileTimeout, reportNetworkAttempts, onNetworkAttempts, keep, onKept })
    },
  }
}

/** Vitest 4.1.12 and later 4.x, and 5.x (SUPPORTED_VITEST_RANGE): refused before any worker starts otherwise. */
export function checkVitestVersion(version: string): void {
  const [major = 0, minor = 0, patch = 0] = version.split(/[.-]/).map((part) => Number.parseInt(part, 10))
  const supported = major === 5 || (major === 4 && (minor > 1 || (minor === 1 && patch >= 12)))
  if (!supported) throw new IsolaneError('ISOLANE_UNSUPPORTED_VERSION', vitestVersionMessage(version), { hint: 'install Vitest 4 (from 4.1.12) or 5' })
}
