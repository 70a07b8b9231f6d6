// The isolation a user asks for, turned into plain data: kinds to unshare and a list of setup
// steps (bubblewrap's SetupOp). Validated here, before any syscall; printable and sendable.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { isAbsolute, join, normalize, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { IsolaneError, invalidOptions } from './errors.js'
import { ALL_KINDS, DEFAULT_KINDS, NAMESPACE_KINDS, isNamespaceKind, type NamespaceKind } from './kinds.js'
import { HOST_NAME_MAX } from './libc/constants.js'

/** What a user step (a plugin) is told while it runs inside the window. */
export interface StepContext {
  /** The worker id the window is made for, when a pool makes it. */
  readonly workerId: number | undefined
  /** The fresh namespaces being prepared. */
  readonly kinds: readonly NamespaceKind[]
  /** The resolved hostname, if one is set. */
  readonly hostname: string | undefined
}

/**
 * A step of the user's, run synchronously after isolane's own steps, in the fresh namespaces.
 * Anything it does there (mounts, links, routes) is what the child will see. It must not await.
 * Given as a function, it runs in the parent's isolation window (the privileged way only); given as
 * a module, it is loaded where the namespaces are made, which for the user-namespace way is the
 * worker itself: `{ name, module: '/abs/path/plugin.js' }`, a module whose `setup` export (or
 * default export's `setup`, or default export as a function) is the step.
 */
export type IsolanePlugin = FunctionPlugin | ModulePlugin

export interface FunctionPlugin {
  readonly name: string
  setup(context: StepContext): void
}

export interface ModulePlugin {
  readonly name: string
  /** An absolute path or file: URL; loaded with require() (CommonJS, or ES modules without top-level await). */
  readonly module: string
}

export interface IsolationOptions {
  /** Kinds of fresh namespaces. Default: net, mnt, ipc, uts. */
  namespaces?: readonly NamespaceKind[]
  /** Bring the loopback interface up in a fresh network namespace. Default: true with net. */
  loopback?: boolean
  /** Hostname in the fresh UTS namespace; `{workerId}` and `{pid}` are replaced. */
  hostname?: string
  /** Directories that get a fresh tmpfs. Default with mnt: /tmp and /dev/shm (where they exist). */
  tmpfs?: readonly string[]
  /** Mount a fresh mqueue file system on /dev/mqueue. Default: with ipc and mnt, where it exists. */
  mqueue?: boolean
  /**
   * Host paths to bind-mount into the fresh mount namespace, after the tmpfs mounts: a path under
   * a private /tmp can show a host directory (Vitest's module cache, say). The target is created.
   */
  binds?: readonly BindMount[]
  /** Plugins: user steps, run in order after isolane's own. */
  plugins?: readonly IsolanePlugin[]
  /**
   * How the namespaces are made: 'privileged' (the parent unshares them, which needs
   * CAP_SYS_ADMIN), 'user-namespace' (each child starts in a user namespace of its own that owns
   * them, made by util-linux `unshare`, with no privilege), or 'auto' (default): privileged where
   * the process may, else the user namespace.
   */
  way?: WayChoice
  /**
   * What to do where no way works (not Linux, user namespaces switched off, a locked container):
   * 'refuse' (default) throws before any child starts; 'none' starts children without isolation,
   * after saying once which kinds are missing and why.
   */
  fallback?: Fallback
}

export type IsolationWay = 'privileged' | 'user-namespace'
export type WayChoice = 'auto' | IsolationWay
export type Fallback = 'refuse' | 'none'
export const WAY_CHOICES: readonly WayChoice[] = Object.freeze(['auto', 'privileged', 'user-namespace'] as WayChoice[])
export const FALLBACKS: readonly Fallback[] = Object.freeze(['refuse', 'none'] as Fallback[])

export interface BindMount {
  readonly source: string
  readonly target: string
  readonly readOnly?: boolean
}

export type SetupStep =
  | { readonly op: 'private-mounts' }
  | { readonly op: 'loopback-up'; readonly interface: 'lo' }
  | { readonly op: 'hostname'; readonly hostname: string }
  | { readonly op: 'tmpfs'; readonly path: string; readonly data: string }
  | { readonly op: 'mqueue'; readonly path: string }
  /** A procfs of the new PID namespace: mounted by the child itself, PID 1 there (proc(5)). */
  | { readonly op: 'proc'; readonly path: string }
  | { readonly op: 'bind'; readonly source: string; readonly target: string; readonly readOnly: boolean }
  | { readonly op: 'plugin'; readonly name: string; readonly index: number; readonly module?: string }

export interface IsolationPlan {
  readonly kinds: readonly NamespaceKind[]
  readonly steps: readonly SetupStep[]
  readonly workerId: number | undefined
  /** The plugins of the 'plugin' steps; a function plugin is not part of the data that can be sent elsewhere. */
  readonly plugins: readonly IsolanePlugin[]
  readonly way: WayChoice
  readonly fallback: Fallback
}

export interface PlanContext {
  workerId?: number
}

const OPTION_KEYS = new Set(['namespaces', 'loopback', 'hostname', 'tmpfs', 'mqueue', 'binds', 'plugins', 'way', 'fallback'])
const DEFAULT_TMPFS = ['/tmp', '/dev/shm']
const MQUEUE_PATH = '/dev/mqueue'
const HOSTNAME_PATTERN = /^[A-Za-z0-9_]([A-Za-z0-9._-]*)$/

/** Validates `options` and turns them into a plan. Throws before any syscall is made. */
export function createPlan(options: IsolationOptions = {}, context: PlanContext = {}): IsolationPlan {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw invalidOptions(`expected an object, got ${describe(options)}`, 'pass an object such as `{ namespaces: ["net", "mnt"] }`')
  for (const key of Object.keys(options))
    if (!OPTION_KEYS.has(key))
      throw invalidOptions(`unknown option \`${key}\``, `use only ${[...OPTION_KEYS].map((k) => `\`${k}\``).join(', ')}`)

  const kinds = validateKinds(options.namespaces ?? DEFAULT_KINDS)
  const has = (kind: NamespaceKind) => kinds.includes(kind)
  const steps: SetupStep[] = []

  if (has('mnt')) steps.push({ op: 'private-mounts' })

  if (options.loopback !== undefined && typeof options.loopback !== 'boolean')
    throw invalidOptions(`\`loopback\` must be a boolean, got ${describe(options.loopback)}`, 'use `true` or `false`')
  if (options.loopback === true && !has('net'))
    throw invalidOptions('`loopback: true` needs a fresh network namespace', 'add "net" to `namespaces`, or drop `loopback`')
  if (has('net') && options.loopback !== false) steps.push({ op: 'loopback-up', interface: 'lo' })

  let hostname: string | undefined
  if (options.hostname !== undefined) {
    if (!has('uts')) throw invalidOptions('`hostname` needs a fresh UTS namespace', 'add "uts" to `namespaces`, or drop `hostname`')
    hostname = resolveHostname(options.hostname, context)
    steps.push({ op: 'hostname', hostname })
  }

  if (options.tmpfs !== undefined && (!Array.isArray(options.tmpfs) || options.tmpfs.some((p) => typeof p !== 'string')))
    throw invalidOptions(`\`tmpfs\` must be an array of paths, got ${describe(options.tmpfs)}`, 'use for example `tmpfs: ["/tmp"]`')
  if (options.tmpfs !== undefined && options.tmpfs.length > 0 && !has('mnt'))
    throw invalidOptions('`tmpfs` needs a fresh mount namespace', 'add "mnt" to `namespaces`, or drop `tmpfs`')
  if (has('mnt')) {
    const paths = options.tmpfs ?? DEFAULT_TMPFS.filter((path) => isDirectory(path))
    for (const path of new Set(paths.map((p) => validateMountPoint(p, 'tmpfs')))) steps.push({ op: 'tmpfs', path, data: 'mode=1777' })
  }

  if (options.mqueue !== undefined && typeof options.mqueue !== 'boolean')
    throw invalidOptions(`\`mqueue\` must be a boolean, got ${describe(options.mqueue)}`, 'use `true` or `false`')
  if (options.mqueue === true) {
    if (!has('mnt') || !has('ipc')) throw invalidOptions('`mqueue: true` needs fresh mount and IPC namespaces', 'add "mnt" and "ipc" to `namespaces`')
    steps.push({ op: 'mqueue', path: validateMountPoint(MQUEUE_PATH, 'mqueue') })
  } else if (options.mqueue === undefined && has('mnt') && has('ipc') && isDirectory(MQUEUE_PATH)) {
    steps.push({ op: 'mqueue', path: MQUEUE_PATH })
  }

  // /proc would still show the host's processes (and /proc/PID/root reach the host's files).
  if (has('pid') && has('mnt')) steps.push({ op: 'proc', path: '/proc' })

  const binds = validateBinds(options.binds ?? [], has('mnt'))
  for (const kept of keepVisible(steps, binds, [process.cwd()])) steps.push(kept)
  for (const bind of binds) steps.push(bind)

  const plugins = validatePlugins(options.plugins ?? [])
  plugins.forEach((step, index) => steps.push('module' in step ? { op: 'plugin', name: step.name, index, module: step.module } : { op: 'plugin', name: step.name, index }))

  const way = options.way ?? 'auto'
  if (!WAY_CHOICES.includes(way)) throw invalidOptions(`\`way\` must be one of ${WAY_CHOICES.map((w) => `"${w}"`).join(', ')}, got ${describe(way)}`, 'use "auto" (the default), "privileged" or "user-namespace"')
  const fallback = options.fallback ?? 'refuse'
  if (!FALLBACKS.includes(fallback)) throw invalidOptions(`\`fallback\` must be "refuse" or "none", got ${describe(fallback)}`, 'use "refuse" (the default) or "none" (run without isolation where it is impossible, saying so)')

  return Object.freeze({ kinds: Object.freeze(kinds), steps: Object.freeze(steps), workerId: context.workerId, plugins: Object.freeze(plugins), way, fallback })
}

/** Steps only the child can take (it alone is in the new PID namespace): the rest run where the namespaces are made. */
export const CHILD_SIDE_STEPS: ReadonlySet<SetupStep['op']> = new Set(['proc'])

/**
 * Whether a child started the privileged way needs the preload too: for its own steps, or, as PID 1
 * of a new PID namespace, to stop on SIGTERM and SIGINT as any process does (child-setup.ts).
 */
export function needsChildSetup(plan: Pick<IsolationPlan, 'steps' | 'kinds'>): boolean {
  return plan.kinds.includes('pid') || plan.steps.some((step) => CHILD_SIDE_STEPS.has(step.op))
}

/** The hostname the plan sets, if it sets one. */
export function hostnameOf(plan: IsolationPlan): string | undefined {
  for (const step of plan.steps) if (step.op === 'hostname') return step.hostname
  return undefined
}

/**
 * The tmpfs mount point that hides `path` from a child made by `plan`, or undefined when the child
 * sees it (no fresh tmpfs above it, or a bind that shows it again).
 */
export function hiddenBy(plan: IsolationPlan, path: string): string | undefined {
  const absolute = resolve(path)
  const mount = plan.steps.find((step) => step.op === 'tmpfs' && isInside(absolute, step.path))
  if (mount?.op !== 'tmpfs') return undefined
  const shown = plan.steps.some((step) => step.op === 'bind' && isInside(absolute, step.target) && isInside(step.target, mount.path))
  return shown ? undefined : mount.path
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

function isInside(path: string, directory: string): boolean {
  const rest = relative(directory, path)
  return rest === '' || (!rest.startsWith('..') && !isAbsolute(rest))
}

/** One line a step, as `isolane run --dry-run` or an error report prints a plan. */
export function describePlan(plan: IsolationPlan): string[] {
  const lines = [`unshare ${plan.kinds.map((k) => NAMESPACE_KINDS[k].flagName).join('|') || '(nothing)'}`]
  for (const step of plan.steps) {
    switch (step.op) {
      case 'private-mounts': lines.push('make / recursively private (no mount propagates to the host)'); break
      case 'loopback-up': lines.push(`bring ${step.interface} up`); break
      case 'hostname': lines.push(`set hostname ${step.hostname}`); break
      case 'tmpfs': lines.push(`mount a fresh tmpfs on ${step.path}`); break
      case 'mqueue': lines.push(`mount a fresh mqueue on ${step.path}`); break
      case 'proc': lines.push(`mount the new PID namespace's procfs on ${step.path} (in the child, its PID 1)`); break
      case 'bind': lines.push(`bind ${step.source} on ${step.target}${step.readOnly ? ' read-only' : ''}`); break
      case 'plugin': lines.push(`run plugin ${step.name}${step.module ? ` (${step.module})` : ''}`); break
    }
  }
  return lines
}

function validateKinds(value: unknown): NamespaceKind[] {
  if (!Array.isArray(value))
    throw invalidOptions(`\`namespaces\` must be an array of kinds, got ${describe(value)}`, `use some of ${ALL_KINDS.join(', ')}`)
  const kinds: NamespaceKind[] = []
  for (const kind of value) {
    if (!isNamespaceKind(kind))
      throw invalidOptions(`unknown namespace kind ${describe(kind)}`, `use some of ${ALL_KINDS.join(', ')}`)
    if (kind === 'user') throw userNamespaceFromNode()
    if (!kinds.includes(kind)) kinds.push(kind)
  }
  return kinds
}

/** The failure for a user namespace request: refused before the syscall, which could only fail. */
export function userNamespaceFromNode(): IsolaneError {
  const fix = 'drop "user" from `namespaces` and start Node inside a user namespace instead (`unshare --user --map-root-user --net --mount node ...`), where isolane can make the other kinds'
  return new IsolaneError(
    'ISOLANE_USERNS_FROM_NODE',
    `A fresh user namespace cannot be created from Node: unshare(CLONE_NEWUSER) fails with EINVAL in any multi-threaded process (unshare(2)), and every Node process is one. To fix: ${fix}.`,
    { hint: fix, syscall: 'unshare' },
  )
}

/** Worker ids are counted up per run and never reused: a million workers is the most a template is checked for. */
const WORKER_ID_DIGITS = 6

let pidDigits: number | undefined

/** Digits of the largest pid the kernel hands out (/proc/sys/kernel/pid_max; 4194304 where it cannot be read). Read once. */
function pidMaxDigits(): number {
  if (pidDigits === undefined) {
    let pidMax = 4_194_304
    try {
      pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim()) || pidMax
    } catch {
      // not Linux, or no /proc: the kernel's own ceiling
    }
    pidDigits = String(pidMax).length
  }
  return pidDigits
}

function resolveHostname(template: unknown, context: PlanContext): string {
  if (typeof template !== 'string' || template.length === 0)
    throw invalidOptions(`\`hostname\` must be a non-empty string, got ${describe(template)}`, 'use for example `hostname: "worker-{workerId}"`')
  const unknownToken = /\{(?!workerId\}|pid\})[^}]*\}/.exec(template)
  if (unknownToken) throw invalidOptions(`unknown token ${unknownToken[0]} in hostname template "${template}"`, 'use only {workerId} and {pid}')
  // Checked for every worker a run can reach, not only this one: a template that fits worker 1
  // but not worker 10 would otherwise fail in the middle of the run.
  const longest = Buffer.byteLength(template.replaceAll('{workerId}', '9'.repeat(WORKER_ID_DIGITS)).replaceAll('{pid}', '9'.repeat(pidMaxDigits())))
  if (template.includes('{') && longest > HOST_NAME_MAX)
    throw invalidOptions(
      `hostname template "${template}" can reach ${longest} bytes (worker ids up to ${WORKER_ID_DIGITS} digits, pids up to ${pidMaxDigits()}), over the kernel's limit of ${HOST_NAME_MAX} (sethostname(2)): later workers of a run would fail`,
      'use a shorter hostname template',
    )
  const hostname = template.replaceAll('{workerId}', String(context.workerId ?? 0)).replaceAll('{pid}', String(process.pid))
  const bytes = Buffer.byteLength(hostname)
  if (bytes > HOST_NAME_MAX)
    throw invalidOptions(`hostname "${hostname}" is ${bytes} bytes, over the kernel's limit of ${HOST_NAME_MAX} (sethostname(2))`, 'use a shorter hostname template')
  if (!HOSTNAME_PATTERN.test(hostname))
    throw invalidOptions(`hostname "${hostname}" has characters a hostname cannot have`, 'use letters, digits, ".", "-" and "_" only')
  return hostname
}

function validateMountPoint(path: string, what: string): string {
  if (!isAbsolute(path)) throw invalidOptions(`${what} path "${path}" is not absolute`, 'give an absolute path such as "/tmp"')
  const normal = normalize(path).replace(/(.)\/$/, '$1')
  if (normal === '/') throw invalidOptions(`${what} on "/" would hide the whole file system`, 'choose a directory below /')
  if (!existsSync(normal)) throw invalidOptions(`${what} path "${normal}" does not exist`, 'create the directory first, or drop it')
  if (!isDirectory(normal)) throw invalidOptions(`${what} path "${normal}" is not a directory`, 'give a directory')
  return normal
}

function validateBinds(value: unknown, hasMnt: boolean): SetupStep[] {
  if (!Array.isArray(value)) throw invalidOptions(`\`binds\` must be an array, got ${describe(value)}`, 'use `binds: [{ source, target }]`')
  if (value.length > 0 && !hasMnt) throw invalidOptions('`binds` needs a fresh mount namespace', 'add "mnt" to `namespaces`, or drop `binds`')
  return value.map((bind, index) => {
    if (typeof bind !== 'object' || bind === null || typeof bind.source !== 'string' || typeof bind.target !== 'string')
      throw invalidOptions(`bind ${index} is ${describe(bind)}, not \`{ source, target }\``, 'give every bind a source and a target path')
    if (!isAbsolute(bind.source) || !isAbsolute(bind.target)) throw invalidOptions(`bind ${bind.source} -> ${bind.target} is not between absolute paths`, 'use absolute paths')
    if (!existsSync(bind.source)) throw invalidOptions(`bind source "${bind.source}" does not exist`, 'create it before the run, or drop the bind')
    return { op: 'bind', source: normalize(bind.source), target: normalize(bind.target), readOnly: bind.readOnly === true } as const
  })
}

function validatePlugins(value: unknown): IsolanePlugin[] {
  if (!Array.isArray(value)) throw invalidOptions(`\`plugins\` must be an array, got ${describe(value)}`, 'use `plugins: [{ name, setup(context) {} }]`')
  return value.map((step, index) => {
    const named = typeof step === 'object' && step !== null && typeof step.name === 'string' && step.name !== ''
    if (named && typeof step.setup === 'function') return step as FunctionPlugin
    if (named && typeof step.module === 'string') return { name: step.name, module: pluginModulePath(step.module, step.name) }
    throw invalidOptions(`plugin ${index} is ${describe(step)}, not \`{ name: string, setup(context) }\` or \`{ name: string, module: path }\``, 'give every plugin a name and a synchronous setup function, or the absolute path of a module that exports one')
  })
}

function pluginModulePath(module: string, name: string): string {
  const path = module.startsWith('file:') ? fileURLToPath(module) : module
  if (!isAbsolute(path)) throw invalidOptions(`plugin "${name}" module "${module}" is not an absolute path`, 'give an absolute path or a file: URL (`new URL("./plugin.js", import.meta.url).href`)')
  if (!existsSync(path)) throw invalidOptions(`plugin "${name}" module ${path} does not exist`, 'check the path')
  return path
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (Array.isArray(value)) return 'an array'
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value)
}
