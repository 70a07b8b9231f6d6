// The pool's options: checked before any worker starts, and split into what tinypool gets and
// what the pool keeps for itself.
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Options as TinypoolOptions } from 'tinypool'
import { createPlan, hiddenBy, invalidOptions, type IsolationOptions, type IsolationPlan, LEFTOVERS_MODES, type LeftoversMode, type NamespaceKind, notSendable, RUN_DEFAULTS } from '@isolane/core/internal'
import { POOL_OPTIONS } from './errors.js'

/** tinypool's options (its runtime is always child_process), plus the isolation of the workers. */
export interface PoolOptions extends Omit<TinypoolOptions, 'runtime' | 'filename' | 'teardown' | 'env'> {
  /** The worker module: its default export (or the export `name`) receives each task. */
  filename: string | URL
  /** Default true: every task runs in a new worker, in new namespaces. */
  isolateWorkers?: boolean
  /** The workers' environment. Default: the parent's (tinypool alone would pass an empty one). */
  env?: Record<string, string>
  /** The fresh namespaces of every worker and their setup (default: net, mnt, ipc, uts, lo up). */
  isolation?: IsolationOptions
  /**
   * With `isolateWorkers: false`: before every task but its first, a worker gets fresh net, uts and
   * ipc namespaces and empty /tmp and /dev/shm (renewIsolation() of @isolane/core), so that what a
   * task left (servers, files in /tmp) cannot reach the next. Default false.
   */
  renewWorkers?: boolean
  /**
   * Processes a task leaves running (detached ones included): 'stop' (default) stops them after the
   * task and reports them through `onLeftovers`; 'fail' stops them and fails the task; 'keep' leaves them.
   */
  leftovers?: LeftoversMode
  /** Told what a task left running (stopped by then). Default: a warning on stderr. */
  onLeftovers?: (report: LeftoversReport) => void
  /** Told, as it happens, what a task says of itself from its worker (`reportProgress()` of '@isolane/pool/worker'). */
  onProgress?: (report: ProgressReport) => void
}

export interface ProgressReport {
  /** The worker the task runs in. */
  readonly worker: { readonly workerId: number; readonly pid: number | undefined }
  readonly value: unknown
}


export interface LeftoversReport {
  readonly task: unknown
  readonly processes: ReadonlyArray<{ readonly pid: number; readonly command: string }>
}

export interface ResolvedPoolOptions {
  /** The worker module as a URL the worker can import. */
  readonly href: string
  readonly name: string
  readonly isolateWorkers: boolean
  readonly env: Record<string, string> | undefined
  readonly isolation: IsolationOptions
  /** The kinds of namespaces every worker gets (from the validated plan). */
  readonly kinds: readonly NamespaceKind[]
  /** The plan of worker 1: what the pool checks the machine against. */
  readonly plan: IsolationPlan
  readonly renewWorkers: boolean
  readonly leftovers: LeftoversMode
  readonly onLeftovers: ((report: LeftoversReport) => void) | undefined
  readonly onProgress: ((report: ProgressReport) => void) | undefined
  /** tinypool's own options, without filename, runtime, env and name (the pool sets those). */
  readonly tinypool: Omit<TinypoolOptions, 'filename' | 'runtime' | 'env' | 'name'>
}

const UNSUPPORTED: Record<string, string> = {
  runtime: 'the pool always uses tinypool\'s child_process runtime (namespaces are per process): drop `runtime`',
  teardown: '`teardown` is not supported by @isolane/pool: do the cleanup at the end of the task',
}

/** Validates everything, the isolation through core's createPlan, and throws before any fork. */
export function resolvePoolOptions(options: PoolOptions): ResolvedPoolOptions {
  if (typeof options !== 'object' || options === null)
    throw invalidOptions(`expected an object, got ${options === null ? 'null' : typeof options}`, 'pass `{ filename: new URL("./worker.js", import.meta.url) }`', POOL_OPTIONS)
  for (const [key, fix] of Object.entries(UNSUPPORTED)) if ((options as unknown as Record<string, unknown>)[key] !== undefined) throw invalidOptions(`\`${key}\` is set`, fix, POOL_OPTIONS)
  const { filename, name = 'default', isolateWorkers = true, env, isolation = {}, renewWorkers = false, leftovers = RUN_DEFAULTS.leftovers, onLeftovers, onProgress, ...tinypool } = options
  if (typeof name !== 'string' || name === '') throw invalidOptions(`\`name\` must be a non-empty string, got ${String(name)}`, 'name an export of the worker module, or leave `name` out', POOL_OPTIONS)
  if (typeof isolateWorkers !== 'boolean') throw invalidOptions(`\`isolateWorkers\` must be a boolean, got ${String(isolateWorkers)}`, 'use `true` or `false`', POOL_OPTIONS)
  if (typeof renewWorkers !== 'boolean') throw invalidOptions(`\`renewWorkers\` must be a boolean, got ${String(renewWorkers)}`, 'use `true` or `false`', POOL_OPTIONS)
  if (!LEFTOVERS_MODES.includes(leftovers)) throw invalidOptions(`\`leftovers\` must be "stop", "fail" or "keep", got ${JSON.stringify(leftovers)}`, 'use "stop" (the default), "fail" or "keep"', POOL_OPTIONS)
  if (onLeftovers !== undefined && typeof onLeftovers !== 'function') throw invalidOptions('`onLeftovers` must be a function', 'pass `(report) => ...`, or leave it out for a warning', POOL_OPTIONS)
  if (onProgress !== undefined && typeof onProgress !== 'function') throw invalidOptions('`onProgress` must be a function', 'pass `(report) => ...`, or leave it out', POOL_OPTIONS)
  validateEnv(env)
  validateThreads(tinypool.minThreads, tinypool.maxThreads)
  // createPlan throws IsolaneError ISOLANE_INVALID_OPTIONS (or ISOLANE_USERNS_FROM_NODE) here.
  const plan = createPlan(isolation, { workerId: 1 })
  const href = workerHref(filename)
  checkVisibleToWorkers(href, plan)
  if (renewWorkers && isolateWorkers)
    throw invalidOptions('`renewWorkers: true` with `isolateWorkers: true`', 'set `isolateWorkers: false` (a worker is then reused, and renewed between tasks), or drop `renewWorkers`: a fresh worker per task is fresh already', POOL_OPTIONS)
  if (renewWorkers) {
    const refusal = notSendable(plan)
    if (refusal) throw invalidOptions(`\`renewWorkers\` renews in the worker itself, and ${refusal.message.replace(/^./, (c) => c.toLowerCase())}`, 'give the plugins as modules', POOL_OPTIONS)
  }
  return { href, name, isolateWorkers, env, isolation, kinds: plan.kinds, plan, renewWorkers, leftovers, onLeftovers, onProgress, tinypool }
}

function workerHref(filename: unknown): string {
  if (filename === undefined || filename === null || filename === '')
    throw invalidOptions('`filename` is missing', 'give the worker module, as in `createPool({ filename: new URL("./worker.js", import.meta.url) })`', POOL_OPTIONS)
  if (filename instanceof URL) return checkFile(filename.href)
  if (typeof filename !== 'string') throw invalidOptions(`\`filename\` must be a path or a URL, got ${typeof filename}`, 'give a path or a file: URL', POOL_OPTIONS)
  if (/^[a-z][a-z0-9+.-]*:/i.test(filename) && !/^[a-z]:[\\/]/i.test(filename)) return checkFile(filename)
  return checkFile(pathToFileURL(resolve(filename)).href)
}

function checkFile(href: string): string {
  if (!href.startsWith('file:')) return href
  const path = fileURLToPath(href)
  if (!existsSync(path) || !statSync(path).isFile())
    throw invalidOptions(`the worker module ${path} does not exist`, 'check `filename` (a relative path is resolved against the current directory)', POOL_OPTIONS)
  return href
}

/**
 * A worker module under a directory that gets a fresh tmpfs (/tmp by default) is hidden from the
 * workers, unless a bind shows it again: every task would fail to load it.
 */
function checkVisibleToWorkers(href: string, plan: IsolationPlan): void {
  if (!href.startsWith('file:')) return
  const path = fileURLToPath(href)
  const mount = hiddenBy(plan, path)
  if (mount === undefined) return
  throw invalidOptions(
    `the worker module ${path} is under ${mount}, where every worker gets a fresh, empty tmpfs, so no worker could load it`,
    `move the worker module out of ${mount} (or start from a working directory that holds it), or show its directory to the workers with \`isolation.binds: [{ source: dir, target: dir }]\`, or set \`isolation.tmpfs\` without ${mount}`,
    POOL_OPTIONS,
  )
}

function validateEnv(env: unknown): void {
  if (env === undefined) return
  if (typeof env !== 'object' || env === null || Array.isArray(env))
    throw invalidOptions(`\`env\` must be an object of strings, got ${Array.isArray(env) ? 'an array' : String(env)}`, 'pass `env: { ...process.env, NAME: "value" }`, or leave it out to pass the parent\'s environment', POOL_OPTIONS)
  for (const [key, value] of Object.entries(env))
    if (typeof value !== 'string') throw invalidOptions(`\`env.${key}\` is ${typeof value}, not a string`, 'give every variable a string value', POOL_OPTIONS)
}

function validateThreads(min: unknown, max: unknown): void {
  for (const [key, value, least] of [['minThreads', min, 0], ['maxThreads', max, Number.MIN_VALUE]] as const)
    if (value !== undefined && (typeof value !== 'number' || !(value >= least) || !Number.isFinite(value)))
      throw invalidOptions(`\`${key}\` must be a ${least === 0 ? 'non-negative' : 'positive'} number, got ${String(value)}`, `use a count such as 2 (or a fraction of the CPUs, such as 0.5), or leave \`${key}\` out`, POOL_OPTIONS)
  if (typeof min === 'number' && typeof max === 'number' && min > max)
    throw invalidOptions(`\`minThreads\` (${min}) is greater than \`maxThreads\` (${max})`, 'make minThreads at most maxThreads', POOL_OPTIONS)
}
