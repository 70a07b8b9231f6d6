// The pool's options (`isolane({ ... })`), split by core's option table into the isolation of the
// workers and the run options, and the per-file isolation choices, from the docblock
// (`// @vitest-environment-options {...}` in a file whose environment is isolane) or
// `environmentOptions.isolane` in the config, merged over the pool's options (core's
// mergeFileOptions). Pure data in, options out: the pool and the environment both use it.
import { type IsolationOptions, KEEP_CHOICES, type KeepChoice, LEFTOVERS_MODES, type LeftoversMode, RUN_DEFAULTS, splitRunOptions } from '@isolane/core/internal'
import { badFileTimeout, badKeep, badLeftovers, badReportNetworkAttempts } from './messages.js'

export { mergeFileOptions, shareKinds, type IsolaneFileOptions } from '@isolane/core/internal'

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
  keep?: KeepChoice
}

export interface PoolRunSettings {
  readonly isolation: IsolationOptions
  readonly leftovers: LeftoversMode
  readonly fileTimeout: number
  readonly reportNetworkAttempts: boolean
  readonly keep: KeepChoice
}

/**
 * The pool's run options checked, with their defaults, and its isolation options for createPlan to
 * check. Vitest's own `isolate` says whether workers are reused: `reuseWorkers` is left with the
 * isolation options, which refuse it.
 */
export function resolvePoolRunOptions(options: IsolanePoolOptions): PoolRunSettings {
  const { isolation, run: { reuseWorkers, ...run } } = splitRunOptions(options)
  const { leftovers, fileTimeout, reportNetworkAttempts, keep } = { ...RUN_DEFAULTS, ...run }
  if (!LEFTOVERS_MODES.includes(leftovers)) throw badLeftovers(leftovers)
  if (typeof fileTimeout !== 'number' || !Number.isFinite(fileTimeout) || fileTimeout < 0) throw badFileTimeout(fileTimeout)
  if (typeof reportNetworkAttempts !== 'boolean') throw badReportNetworkAttempts(reportNetworkAttempts, 'pool')
  if (!KEEP_CHOICES.includes(keep)) throw badKeep(keep)
  return { isolation: reuseWorkers === undefined ? isolation : ({ ...isolation, reuseWorkers } as IsolationOptions), leftovers, fileTimeout, reportNetworkAttempts, keep }
}

/** The key under which Vitest passes the environment's options (its name). */
export const ENVIRONMENT_NAME = 'isolane'

/**
 * The options of one file (Vitest's `{ name, options }` of the file's environment, and the
 * project's `environmentOptions`): the file's own replace the project's, as Vitest does.
 */
export function fileOptionsOf(environment: { name: string; options: Record<string, unknown> | null }, projectOptions: Record<string, unknown> | undefined): unknown {
  const own = environment.options?.[ENVIRONMENT_NAME]
  return own !== undefined ? own : projectOptions?.[ENVIRONMENT_NAME]
}
