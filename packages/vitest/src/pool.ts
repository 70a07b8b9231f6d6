// `isolane()`: the pool a user puts in `test.pool`. Everything that can be wrong with the options
// or the machine is found here, when the config loads, before any worker starts.
import { announceOnce, chooseWay, createPlan, describeKept, describeNetworkAttempts, IsolaneError, type KeptWorker, type TestNetworkAttempt } from '@isolane/core/internal'
import { version as vitestVersion, type PoolOptions, type PoolRunnerInitializer, type PoolWorker, type TestProject } from 'vitest/node'
import { cannotIsolateMessage, keepWithPid, NETWORK_HOW_TO_ALLOW, POOL_NAME, vitestVersionMessage } from './messages.js'
import { resolvePoolRunOptions, type IsolanePoolOptions } from './options.js'
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

/**
 * A Vitest pool like the stock `forks` pool whose every worker is forked into fresh namespaces
 * (net, mnt, ipc, uts by default, `lo` up, a private /tmp and /dev/shm).
 */
export function isolane(given: IsolanePoolOptions = {}): PoolRunnerInitializer {
  checkVitestVersion(vitestVersion)
  const { isolation: options, leftovers, fileTimeout, reportNetworkAttempts, keep } = resolvePoolRunOptions(given)
  // Validated once with a sample worker id, so that a bad hostname template fails here too.
  const plan = createPlan(options, { workerId: 1 })
  if (keep === 'on-failure' && plan.kinds.includes('pid')) throw keepWithPid()
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
