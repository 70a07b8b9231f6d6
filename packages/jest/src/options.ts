// Host side: the runner's options, from Jest's config (`runner: ['@isolane/jest', { ... }]`, which
// Jest hands the runner as its third constructor argument). Isolation options are validated by
// core's createPlan; the run options that say how the run uses its workers (core's option table)
// are checked here. All of it happens when Jest makes the runner, before any worker starts.
import { createPlan, ISOLATION_OPTION_NAMES, KEEP_CHOICES, LEFTOVERS_MODES, listOptionNames, RUN_DEFAULTS, RUN_OPTION_NAMES, splitRunOptions, type IsolationOptions, type LeftoversMode, type RunOptions } from '@isolane/core/internal'
import { badFileTimeout, badKeep, badLeftovers, badReportNetworkAttempts, keepWithPid, badReuseWorkers, functionPluginInReusedWorkers, notAnObject, refusedRunnerOptions, unknownRunnerOption } from './errors.js'

/** Options of the run that are not isolation options (core's createPlan would refuse them). */
export type RunModeOptions = RunOptions

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
export function resolveRunnerOptions(given: unknown): RunnerSettings {
  const options = given ?? {}
  if (typeof options !== 'object' || Array.isArray(options)) throw notAnObject(options)
  const unknown = Object.keys(options).find((key) => !(ISOLATION_OPTION_NAMES as readonly string[]).includes(key) && !(RUN_OPTION_NAMES as readonly string[]).includes(key))
  if (unknown !== undefined) throw unknownRunnerOption(unknown, listOptionNames(ISOLATION_OPTION_NAMES), listOptionNames(RUN_OPTION_NAMES))
  const { isolation, run } = splitRunOptions(options)
  const { reuseWorkers: reuseAsked, leftovers, fileTimeout, reportNetworkAttempts, keep } = { ...RUN_DEFAULTS, ...run }
  if (typeof reuseAsked !== 'boolean') throw badReuseWorkers(reuseAsked)
  if (!KEEP_CHOICES.includes(keep)) throw badKeep(keep)
  if (!LEFTOVERS_MODES.includes(leftovers)) throw badLeftovers(leftovers)
  if (typeof fileTimeout !== 'number' || !Number.isFinite(fileTimeout) || fileTimeout < 0) throw badFileTimeout(fileTimeout)
  if (typeof reportNetworkAttempts !== 'boolean') throw badReportNetworkAttempts(reportNetworkAttempts)
  let kinds: readonly string[]
  try {
    kinds = createPlan(isolation, { workerId: 1 }).kinds
  } catch (error) {
    throw refusedRunnerOptions(error)
  }
  if (keep === 'on-failure' && kinds.includes('pid')) throw keepWithPid()
  // A kept worker's /tmp is the failed file's only if no later file runs in its mount namespace: each file gets a fresh worker.
  const reuseWorkers = keep === 'on-failure' ? false : reuseAsked
  const inline = isolation.plugins?.find((plugin) => !('module' in plugin))
  if (reuseWorkers && inline) throw functionPluginInReusedWorkers(inline.name)
  return { isolation, reuseWorkers, leftovers, fileTimeout, reportNetworkAttempts, keep: keep === 'on-failure' && kinds.length > 0 }
}
