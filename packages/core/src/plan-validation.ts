// Checks the isolation options before any plan is made, let alone a syscall: the keys, types and
// the kinds each option needs come from the option table (option-table.ts); the values (a hostname
// template, mount points, binds, plugins) are checked here as plan.ts turns them into steps.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { isAbsolute, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { IsolaneError, invalidOptions } from './errors.js'
import { ALL_KINDS, isNamespaceKind, NAMESPACE_KINDS, type NamespaceKind } from './kinds.js'
import { HOST_NAME_MAX } from './libc/constants.js'
import { hasOptionType, ISOLATION_OPTION_NAMES, OPTIONS, type OptionName } from './option-table.js'
import type { BindMount, FunctionPlugin, IsolanePlugin, IsolationOptions, PlanContext, SetupStep } from './plan-types.js'

const HOSTNAME_PATTERN = /^[A-Za-z0-9_]([A-Za-z0-9._-]*)$/

/**
 * Checks what the option table says of `options` (an object, known keys, each value's type, the
 * kinds each option needs) and returns the kinds to unshare, each once.
 */
export function validateOptions(options: unknown): NamespaceKind[] {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw invalidOptions(`expected an object, got ${describe(options)}`, 'pass an object such as `{ namespaces: ["net", "mnt"] }`')
  for (const key of Object.keys(options))
    if (!(ISOLATION_OPTION_NAMES as readonly string[]).includes(key)) throw invalidOptions(`unknown option \`${key}\``, `use only ${ISOLATION_OPTION_NAMES.map((k) => `\`${k}\``).join(', ')}`)
  const given = options as IsolationOptions
  const kinds = validateKinds(given.namespaces ?? OPTIONS.namespaces.default)
  for (const name of ISOLATION_OPTION_NAMES) if (given[name] !== undefined) checkOptionType(name, given[name])
  for (const name of ISOLATION_OPTION_NAMES) checkKindsNeeded(name, given[name], kinds)
  return kinds
}

/** Throws when `value` is not of the option's type: "`name` must be <expected>, got <value>". */
export function checkOptionType(name: OptionName, value: unknown): void {
  if (!hasOptionType(name, value)) throw invalidOptions(`\`${name}\` must be ${OPTIONS[name].expected}, got ${describe(value)}`, OPTIONS[name].fix)
}

/** An option that asks for something (not left out, not false, not empty) needs the kinds the table gives it. */
function checkKindsNeeded(name: OptionName, value: unknown, kinds: readonly NamespaceKind[]): void {
  const { needs } = OPTIONS[name]
  const asks = value !== undefined && value !== false && !(Array.isArray(value) && value.length === 0)
  if (!asks || needs.every((kind) => kinds.includes(kind))) return
  const what = value === true ? `\`${name}: true\`` : `\`${name}\``
  const fresh = needs.length === 1 ? `a fresh ${NAMESPACE_KINDS[needs[0]!].noun} namespace` : `fresh ${needs.map((kind) => NAMESPACE_KINDS[kind].noun).join(' and ')} namespaces`
  throw invalidOptions(`${what} needs ${fresh}`, `add ${needs.map((kind) => `"${kind}"`).join(' and ')} to \`namespaces\`, or drop \`${name}\``)
}

function validateKinds(value: unknown): NamespaceKind[] {
  checkOptionType('namespaces', value)
  const kinds: NamespaceKind[] = []
  for (const kind of value as unknown[]) {
    checkNamespaceKind(kind)
    if (kind === 'user') throw userNamespaceFromNode()
    if (!kinds.includes(kind)) kinds.push(kind)
  }
  return kinds
}

/** Throws unless `value` is a namespace kind: `some` kinds are asked for (`namespaces`, joining), or `one` (keeping). */
export function checkNamespaceKind(value: unknown, asked: 'one' | 'some' = 'some'): asserts value is NamespaceKind {
  if (!isNamespaceKind(value)) throw invalidOptions(`unknown namespace kind ${describe(value)}`, `use ${asked} of ${ALL_KINDS.join(', ')}`)
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

export function resolveHostname(template: string, context: PlanContext): string {
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

export function validateMountPoint(path: string, what: string): string {
  if (!isAbsolute(path)) throw invalidOptions(`${what} path "${path}" is not absolute`, 'give an absolute path such as "/tmp"')
  const normal = normalize(path).replace(/(.)\/$/, '$1')
  if (normal === '/') throw invalidOptions(`${what} on "/" would hide the whole file system`, 'choose a directory below /')
  if (!existsSync(normal)) throw invalidOptions(`${what} path "${normal}" does not exist`, 'create the directory first, or drop it')
  if (!isDirectory(normal)) throw invalidOptions(`${what} path "${normal}" is not a directory`, 'give a directory')
  return normal
}

export function validateBinds(value: readonly unknown[]): SetupStep[] {
  return (value as readonly Partial<Record<keyof BindMount, unknown>>[]).map((bind, index) => {
    if (typeof bind !== 'object' || bind === null || typeof bind.source !== 'string' || typeof bind.target !== 'string')
      throw invalidOptions(`bind ${index} is ${describe(bind)}, not \`{ source, target }\``, 'give every bind a source and a target path')
    if (!isAbsolute(bind.source) || !isAbsolute(bind.target)) throw invalidOptions(`bind ${bind.source} -> ${bind.target} is not between absolute paths`, 'use absolute paths')
    if (!existsSync(bind.source)) throw invalidOptions(`bind source "${bind.source}" does not exist`, 'create it before the run, or drop the bind')
    return { op: 'bind', source: normalize(bind.source), target: normalize(bind.target), readOnly: bind.readOnly === true } as const
  })
}

export function validatePlugins(value: readonly unknown[]): IsolanePlugin[] {
  return value.map((step, index) => {
    const { name, setup, module } = (typeof step === 'object' && step !== null ? step : {}) as Record<string, unknown>
    if (typeof name === 'string' && name !== '' && typeof setup === 'function') return step as FunctionPlugin
    if (typeof name === 'string' && name !== '' && typeof module === 'string') return { name, module: pluginModulePath(module, name) }
    throw invalidOptions(`plugin ${index} is ${describe(step)}, not \`{ name: string, setup(context) }\` or \`{ name: string, module: path }\``, 'give every plugin a name and a synchronous setup function, or the absolute path of a module that exports one')
  })
}

function pluginModulePath(module: string, name: string): string {
  const path = module.startsWith('file:') ? fileURLToPath(module) : module
  if (!isAbsolute(path)) throw invalidOptions(`plugin "${name}" module "${module}" is not an absolute path`, 'give an absolute path or a file: URL (`new URL("./plugin.js", import.meta.url).href`)')
  if (!existsSync(path)) throw invalidOptions(`plugin "${name}" module ${path} does not exist`, 'check the path')
  return path
}

export function isDirectory(path: string): boolean {
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
