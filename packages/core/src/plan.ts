// The isolation a user asks for, turned into a plan: kinds to unshare and a list of setup steps
// (bubblewrap's SetupOp), derived from the validated options before any syscall. The types are in
// plan-types.ts, the checks in plan-validation.ts.
import { isAbsolute, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { NamespaceKind } from './kinds.js'
import { OPTIONS } from './option-table.js'
import { isInside } from './plan-queries.js'
import type { Fallback, IsolationOptions, IsolationPlan, PlanContext, SetupStep, WayChoice } from './plan-types.js'
import { isDirectory, resolveHostname, validateBinds, validateMountPoint, validateOptions, validatePlugins } from './plan-validation.js'

const DEFAULT_TMPFS = ['/tmp', '/dev/shm']
const MQUEUE_PATH = '/dev/mqueue'

/** Validates `options` and turns them into a plan. Throws before any syscall is made. */
export function createPlan(options: IsolationOptions = {}, context: PlanContext = {}): IsolationPlan {
  const kinds = validateOptions(options)
  const has = (kind: NamespaceKind) => kinds.includes(kind)
  const steps: SetupStep[] = []

  if (has('mnt')) steps.push({ op: 'private-mounts' })
  if (has('net') && options.loopback !== false) steps.push({ op: 'loopback-up', interface: 'lo' })
  if (options.hostname !== undefined) steps.push({ op: 'hostname', hostname: resolveHostname(options.hostname, context) })

  if (has('mnt')) {
    const paths = options.tmpfs ?? DEFAULT_TMPFS.filter((path) => isDirectory(path))
    for (const path of new Set(paths.map((p) => validateMountPoint(p, 'tmpfs')))) steps.push({ op: 'tmpfs', path, data: 'mode=1777' })
  }

  if (options.mqueue === true) steps.push({ op: 'mqueue', path: validateMountPoint(MQUEUE_PATH, 'mqueue') })
  else if (options.mqueue === undefined && has('mnt') && has('ipc') && isDirectory(MQUEUE_PATH)) steps.push({ op: 'mqueue', path: MQUEUE_PATH })

  // /proc would still show the host's processes (and /proc/PID/root reach the host's files).
  if (has('pid') && has('mnt')) steps.push({ op: 'proc', path: '/proc' })

  const binds = validateBinds(options.binds ?? [])
  for (const kept of keepVisible(steps, binds, [process.cwd()])) steps.push(kept)
  for (const bind of binds) steps.push(bind)

  const plugins = validatePlugins(options.plugins ?? [])
  plugins.forEach((step, index) => steps.push('module' in step ? { op: 'plugin', name: step.name, index, module: step.module } : { op: 'plugin', name: step.name, index }))

  const way = options.way ?? (OPTIONS.way.default as WayChoice)
  const fallback = options.fallback ?? (OPTIONS.fallback.default as Fallback)
  return Object.freeze({ kinds: Object.freeze(kinds), steps: Object.freeze(steps), workerId: context.workerId, plugins: Object.freeze(plugins), way, fallback })
}

/** isolane's own files (core's package folder): a child loads its entry scripts from there after the setup. */
const ownFiles = (): string => fileURLToPath(new URL('..', import.meta.url))

/**
 * The plan a child is started with: isolane's own files shown again if a fresh tmpfs hides them
 * (a checkout under /tmp), since the child loads its entry scripts after the setup. A window in
 * the calling process itself needs none of it.
 */
export function withOwnFilesVisible(plan: IsolationPlan): IsolationPlan {
  const binds = plan.steps.filter((step) => step.op === 'bind')
  const kept = keepVisible(plan.steps, binds, [ownFiles()])
  if (kept.length === 0) return plan
  // Before the user's binds and plugins, where the plan keeps the working directory.
  const at = plan.steps.findIndex((step) => step.op === 'bind' || step.op === 'plugin')
  const steps = at === -1 ? [...plan.steps, ...kept] : [...plan.steps.slice(0, at), ...kept, ...plan.steps.slice(at)]
  return Object.freeze({ ...plan, steps: Object.freeze(steps) })
}

/**
 * A child starts in the parent's working directory and resolves relative paths, node_modules
 * and the project's files from it, and it loads isolane's own entry scripts after the setup: when
 * either lies under a fresh tmpfs (a project checked out under /tmp), the top directory holding it
 * below the tmpfs is shown again with a bind.
 */
function keepVisible(steps: readonly SetupStep[], binds: readonly SetupStep[], paths: readonly string[]): SetupStep[] {
  const kept: SetupStep[] = []
  for (const path of paths) {
    for (const step of steps) {
      if (step.op !== 'tmpfs') continue
      const rest = relative(step.path, path)
      if (rest === '' || rest.startsWith('..') || isAbsolute(rest)) continue
      const top = join(step.path, rest.split(sep)[0]!)
      if ([...binds, ...kept].some((bind) => bind.op === 'bind' && isInside(top, bind.target))) break
      kept.push({ op: 'bind', source: top, target: top, readOnly: false })
      break
    }
  }
  return kept
}
