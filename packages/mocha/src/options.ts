// Host side: the options of a run. Mocha's options are loaded by Mocha (argv, MOCHA_OPTIONS,
// .mocharc.*, package.json `mocha`); isolane adds its isolation options, from `--isolane-*` flags
// (taken out of argv first: Mocha's parser would read an unknown flag's value as a spec) and from
// the config's `isolane` key. They are validated with core's createPlan before any worker starts.
// Core's run options sit with them (`reuseWorkers`, `leftovers`, ...: how the run uses its
// workers); the flags and the keys come from core's option table.
// `--shard=i/n` (Vitest's flag, not Mocha's) is taken out with them: which spec files this run takes.
import { cpus } from 'node:os'
import { createPlan, inheritedExecArgv, type IsolationOptions, KEEP_CHOICES, type KeepChoice, LEFTOVERS_MODES, type LeftoversMode, type NamespaceKind, type OptionName, OPTIONS, RUN_DEFAULTS, RUN_OPTION_NAMES, type RunOptions, splitRunOptions } from '@isolane/core/internal'
import { isNodeFlag, loadOptions, unparseNodeFlags, type MochaArgs } from './project-mocha.js'
import { parseShard, type Shard } from './shard.js'
import { badBooleanFlag, badFileTimeout, badKeep, badLeftovers, keepWithPid, configIsolationNotObject, configReuseWorkersNotBoolean, missingFlagValue, unknownIsolaneFlag } from './errors.js'

type FlagKind = 'list' | 'string' | 'boolean'

/** Options of the run that are not isolation options (core's createPlan would refuse them): core's run options, and the shard. */
export interface RunModeOptions extends RunOptions {
  /** `'<index>/<count>'`: run only this shard of the spec files, split as Vitest's `--shard` splits them (see shard.ts). */
  shard?: string
}

/** The `--isolane-*` flags, from core's option table; each value is checked where its option is. */
const ISOLANE_FLAGS: Readonly<Record<string, { key: OptionName; kind: FlagKind; example: string }>> = Object.fromEntries(
  Object.entries(OPTIONS).flatMap(([key, { type, mocha }]) => {
    if (!mocha) return []
    const kind: FlagKind = type === 'boolean' ? 'boolean' : type === 'kinds' || type === 'paths' ? 'list' : 'string'
    return [[mocha.flag, { key: key as OptionName, kind, example: mocha.example }]]
  }),
)

const RUN_MODE_KEYS: ReadonlySet<string> = new Set<string>(RUN_OPTION_NAMES)

/** Every `--isolane-*` flag, a boolean's `--isolane-no-` form after it: what an unknown flag's message lists. */
function knownFlags(): string[] {
  return Object.entries(ISOLANE_FLAGS).flatMap(([flag, { kind }]) => (kind === 'boolean' ? [flag, flag.replace('--isolane-', '--isolane-no-')] : [flag]))
}

export interface SplitArgv {
  /** The arguments for Mocha's own option loading. */
  mochaArgv: string[]
  /** Isolation options given as `--isolane-*` flags. */
  isolation: IsolationOptions
  /** `--isolane-reuse-workers` and the like, and `--shard`. */
  runMode: RunModeOptions
}

/**
 * Takes the `--isolane-*` flags out of a command line. Lists are comma-separated; `none` is the
 * empty list (`--isolane-namespaces none` runs workers without fresh namespaces). Booleans take
 * `=true`/`=false`, or a `--no-` form: `--isolane-no-loopback` or `--no-isolane-loopback`.
 */
export function splitIsolaneArgs(argv: readonly string[]): SplitArgv {
  const mochaArgv: string[] = []
  const isolation: Record<string, unknown> = {}
  const runMode: Record<string, unknown> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') {
      mochaArgv.push(...argv.slice(i))
      break
    }
    if (arg === '--shard' || arg.startsWith('--shard=')) {
      const value = arg === '--shard' ? argv[++i] : arg.slice('--shard='.length)
      if (value === undefined || value.startsWith('--')) throw missingFlagValue('--shard', '2/3')
      runMode.shard = value
      continue
    }
    const negated = /^--(?:no-isolane-|isolane-no-)(.*)$/.exec(arg)
    const name = negated ? `--isolane-${negated[1]}` : arg.split('=')[0] as string
    if (!name.startsWith('--isolane-')) {
      mochaArgv.push(arg)
      continue
    }
    const flag = ISOLANE_FLAGS[name]
    if (!flag) throw unknownIsolaneFlag(name, knownFlags())
    if (negated) {
      if (flag.kind !== 'boolean' || arg.includes('=')) throw unknownIsolaneFlag(arg, knownFlags())
      ;(RUN_MODE_KEYS.has(flag.key) ? runMode : isolation)[flag.key] = false
      continue
    }
    let value: string | undefined
    if (arg.includes('=')) value = arg.slice(arg.indexOf('=') + 1)
    else if (flag.kind !== 'boolean') {
      value = argv[i + 1]
      if (value === undefined || value.startsWith('--')) throw missingFlagValue(name, flag.example)
      i++
    }
    ;(RUN_MODE_KEYS.has(flag.key) ? runMode : isolation)[flag.key] = parseFlagValue(name, flag.kind, value)
  }
  return { mochaArgv, isolation: isolation as IsolationOptions, runMode: runMode as RunModeOptions }
}

function parseFlagValue(name: string, kind: FlagKind, value: string | undefined): unknown {
  switch (kind) {
    case 'boolean':
      if (value === undefined || value === 'true') return true
      if (value === 'false') return false
      throw badBooleanFlag(name, value)
    case 'list':
      return value === 'none' || value === '' ? [] : (value ?? '').split(',').map((item) => item.trim()).filter(Boolean)
    case 'string':
      return value
  }
}

export interface RunSettings {
  /** Mocha's options, ready for `new Mocha()`, with `parallel: true` and `spec` set. */
  args: MochaArgs
  /** Merged isolation options: config `isolane` key < `--isolane-*` flags < the programmatic API. */
  isolation: IsolationOptions
  /** Workers at once: `--jobs`, or Mocha's default for parallel mode (cores - 1, at least 1). */
  jobs: number
  /**
   * Node flags for the workers, as Mocha's: those its bin would give the `node` it spawns (node
   * flags among its options, `--node-option`s), else this process's own (`node --import tsx isolane-mocha`).
   */
  workerExecArgv: string[]
  /** Whether a worker runs several spec files one after another, renewed between them (config < flag < the programmatic API). */
  reuseWorkers: boolean
  leftovers: LeftoversMode
  /** Milliseconds a spec file may run (0: no limit). */
  fileTimeout: number
  reportNetworkAttempts: boolean
  keep: KeepChoice
  /** The shard of the spec files to run (`--shard`), or undefined for all of them. */
  shard: Shard | undefined
}

/**
 * Loads Mocha's options exactly as `mocha` does and the isolation options around them. Bad
 * isolation options throw here (IsolaneError ISOLANE_INVALID_OPTIONS), before anything runs.
 */
export function loadRunSettings(argv: readonly string[], isolationOverride: IsolationOptions = {}, runModeOverride: RunModeOptions = {}): RunSettings {
  const { mochaArgv, isolation: fromFlags, runMode: runModeFromFlags } = splitIsolaneArgs(argv)
  const shardValue = runModeOverride.shard ?? runModeFromFlags.shard
  const shard = shardValue === undefined ? undefined : parseShard(shardValue)
  const args = loadOptions(mochaArgv)
  const fromConfig = args.isolane ?? {}
  if (typeof fromConfig !== 'object' || fromConfig === null || Array.isArray(fromConfig)) throw configIsolationNotObject(fromConfig)
  delete args.isolane
  const { isolation: isolationFromConfig, run: runFromConfig } = splitRunOptions(fromConfig)
  if (runFromConfig.reuseWorkers !== undefined && typeof runFromConfig.reuseWorkers !== 'boolean') throw configReuseWorkersNotBoolean(runFromConfig.reuseWorkers)
  const isolation: IsolationOptions = { ...isolationFromConfig, ...fromFlags, ...isolationOverride }
  createPlan(isolation, { workerId: 1 })
  const keep = runModeOverride.keep ?? runModeFromFlags.keep ?? runFromConfig.keep ?? RUN_DEFAULTS.keep
  if (!KEEP_CHOICES.includes(keep)) throw badKeep(keep)
  if (keep === 'on-failure' && createPlan(isolation, { workerId: 1 }).kinds.includes('pid')) throw keepWithPid()
  // A kept worker's /tmp is the failed file's only if no later file runs in its mount namespace: each file gets a fresh worker.
  const reuseWorkers = keep === 'on-failure' ? false : runModeOverride.reuseWorkers ?? runModeFromFlags.reuseWorkers ?? runFromConfig.reuseWorkers ?? RUN_DEFAULTS.reuseWorkers
  if (typeof reuseWorkers !== 'boolean') throw configReuseWorkersNotBoolean(reuseWorkers, 'The `reuseWorkers` option of runMocha()')
  const leftovers = runModeOverride.leftovers ?? runModeFromFlags.leftovers ?? runFromConfig.leftovers ?? RUN_DEFAULTS.leftovers
  if (!LEFTOVERS_MODES.includes(leftovers)) throw badLeftovers(leftovers)
  const fileTimeout = milliseconds(runModeOverride.fileTimeout ?? runModeFromFlags.fileTimeout ?? runFromConfig.fileTimeout ?? RUN_DEFAULTS.fileTimeout)
  const reportNetworkAttempts = runModeOverride.reportNetworkAttempts ?? runModeFromFlags.reportNetworkAttempts ?? runFromConfig.reportNetworkAttempts ?? RUN_DEFAULTS.reportNetworkAttempts
  if (typeof reportNetworkAttempts !== 'boolean') throw configReuseWorkersNotBoolean(reportNetworkAttempts, 'The `isolane.reportNetworkAttempts` key of the Mocha config')

  // Mocha's bin runs a `node` of its own with the node flags it was given, and its pool hands that
  // node's flags (process.execArgv) to the workers: those flags only, or, without any, its own;
  // but not its debugger's (as Jest's workers): a worker's inspector would listen in the worker's
  // own network, where no debugger reaches it, and --inspect-brk would stop the worker for good.
  const nodeFlags = takeNodeFlags(args)
  const workerExecArgv = nodeFlags.length > 0 ? nodeFlags : inheritedExecArgv().filter((flag) => !/^--(inspect|debug)/.test(flag))
  const jobs = typeof args.jobs === 'number' && Number.isFinite(args.jobs) ? Math.max(1, Math.floor(args.jobs)) : Math.max(1, cpus().length - 1)
  return { args, isolation, jobs, workerExecArgv, reuseWorkers, leftovers, fileTimeout, reportNetworkAttempts, keep, shard }
}

/** A time limit as a flag (a string), the config or the API give it: a number of ms, 0 for none. */
function milliseconds(value: unknown): number {
  const ms = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw badFileTimeout(value)
  return ms
}

/**
 * Mocha's bin hands node flags found among its options to a `node` it spawns; here they go to the
 * workers, which are the processes that run the tests.
 */
function takeNodeFlags(args: MochaArgs): string[] {
  const nodeFlags: Record<string, unknown> = {}
  for (const key of Object.keys(args)) {
    if (key !== '_' && isNodeFlag(key)) {
      nodeFlags[key] = args[key]
      delete args[key]
    }
  }
  const nodeOptions = Array.isArray(args['node-option']) ? (args['node-option'] as string[]).map((option) => `--${option}`) : []
  return [...unparseNodeFlags(nodeFlags), ...nodeOptions]
}

/** The kinds a run asks for, with core's default when none is said. */
export function requestedKinds(isolation: IsolationOptions): readonly NamespaceKind[] {
  return createPlan(isolation, { workerId: 1 }).kinds
}
