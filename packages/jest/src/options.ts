// Host side: the runner's options, from Jest's config (`runner: ['@isolane/jest', { ... }]`, which
// Jest hands the runner as its third constructor argument). Isolation options are validated by
// core's createPlan; the few that say how the run uses its workers are checked here. All of it
// happens when Jest makes the runner, before any worker starts.
import { createPlan, LEFTOVERS_MODES, type IsolationOptions, type LeftoversMode } from '@isolane/core/internal'
import { badFileTimeout, badKeep, badLeftovers, badReportNetworkAttempts, keepWithPid, badReuseWorkers, functionPluginInReusedWorkers, invalidRunnerOptions, notAnObject } from './errors.js'

/** Options of the run that are not isolation options (core's createPlan would refuse them). */
export interface RunModeOptions {
  /**
   * Run several test files in each worker, as Jest does, renewing its namespaces (net, uts, ipc,
   * /tmp, /dev/shm) before each file. Default true; false: a fresh worker per file.
   */
  reuseWorkers?: boolean
  /** What a test file leaves running: 'stop' (default, with a warning naming the file), 'fail' (the file fails too), 'keep'. */
  leftovers?: LeftoversMode
  /** Milliseconds a test file may run before its worker is killed and the file fails (default 0: no limit). */
  fileTimeout?: number
  /** Default true: a test's failed attempt to reach outside its worker's network says so on its error, and the run ends with a list of them (on stderr). */
  reportNetworkAttempts?: boolean
  /** 'on-failure': keep the namespaces of a worker whose file failed, for `isolane enter` (each file then gets a fresh worker). Default 'never'. */
  keep?: 'never' | 'on-failure'
}

/** The runner's options: isolation options and the run mode, side by side. */
export type IsolaneJestOptions = IsolationOptions & RunModeOptions

export interface RunnerSettings {
  readonly isolation: IsolationOptions
  readonly reuseWorkers: boolean
  readonly leftovers: LeftoversMode
  readonly fileTimeout: number
  readonly reportNetworkAttempts: boolean
  readonly keep: boolean
}

/** Validates the runner's options; throws an IsolaneError (ISOLANE_INVALID_OPTIONS) naming what is wrong. */
export function resolveRunnerOptions(options: unknown): RunnerSettings {
  if (options === undefined || options === null) options = {}
  if (typeof options !== 'object' || Array.isArray(options)) throw notAnObject(options)
  const { reuseWorkers: reuseAsked = true, leftovers = 'stop', fileTimeout = 0, reportNetworkAttempts = true, keep = 'never', ...isolation } = options as IsolaneJestOptions
  if (typeof reuseAsked !== 'boolean') throw badReuseWorkers(reuseAsked)
  if (keep !== 'never' && keep !== 'on-failure') throw badKeep(keep)
  if (!LEFTOVERS_MODES.includes(leftovers)) throw badLeftovers(leftovers)
  if (typeof fileTimeout !== 'number' || !Number.isFinite(fileTimeout) || fileTimeout < 0) throw badFileTimeout(fileTimeout)
  if (typeof reportNetworkAttempts !== 'boolean') throw badReportNetworkAttempts(reportNetworkAttempts)
  let kinds: readonly string[]
  try {
    kinds = createPlan(isolation, { workerId: 1 }).kinds
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw invalidRunnerOptions(/unknown option/.test(reason) ? `${reason} The runner also takes \`reuseWorkers\`, \`leftovers\`, \`fileTimeout\`, \`reportNetworkAttempts\` and \`keep\`.` : reason)
  }
  if (keep === 'on-failure' && kinds.includes('pid')) throw keepWithPid()
  // A kept worker's /tmp is the failed file's only if no later file runs in its mount namespace: each file gets a fresh worker.
  const reuseWorkers = keep === 'on-failure' ? false : reuseAsked
  const inline = isolation.plugins?.find((plugin) => !('module' in plugin))
  if (reuseWorkers && inline) throw functionPluginInReusedWorkers(inline.name)
  return { isolation, reuseWorkers, leftovers, fileTimeout, reportNetworkAttempts, keep: keep === 'on-failure' && kinds.length > 0 }
}
