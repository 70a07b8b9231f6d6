// Per-file isolation choices, from the docblock (`// @vitest-environment-options {...}` in a file
// whose environment is isolane) or `environmentOptions.isolane` in the config, merged over the
// pool's options. Pure data in, options out: the pool and the environment both use it.
import { ALL_KINDS, DEFAULT_KINDS, IsolaneError, isNamespaceKind, type BindMount, type IsolationOptions, type NamespaceKind } from '@isolane/core'

/** Options a single test file may set, as JSON in its docblock or in `environmentOptions.isolane`. */
export interface IsolaneFileOptions {
  namespaces?: NamespaceKind[]
  loopback?: boolean
  hostname?: string
  tmpfs?: string[]
  mqueue?: boolean
  binds?: BindMount[]
  /** Kinds this file keeps shared with the host: `["net"]` for a file that needs the host's network. */
  share?: NamespaceKind[]
}

/** The key under which Vitest passes the environment's options (its name). */
export const ENVIRONMENT_NAME = 'isolane'

const FILE_KEYS = new Set(['namespaces', 'loopback', 'hostname', 'tmpfs', 'mqueue', 'binds', 'share', 'reportNetworkAttempts'])

/** What each kind's options need: sharing the kind drops them. */
const NEEDS: Record<string, readonly NamespaceKind[]> = { loopback: ['net'], hostname: ['uts'], tmpfs: ['mnt'], binds: ['mnt'], mqueue: ['mnt', 'ipc'] }

/**
 * The options of one file (Vitest's `{ name, options }` of the file's environment, and the
 * project's `environmentOptions`): the file's own replace the project's, as Vitest does.
 */
export function fileOptionsOf(environment: { name: string; options: Record<string, unknown> | null }, projectOptions: Record<string, unknown> | undefined): unknown {
  const own = environment.options?.[ENVIRONMENT_NAME]
  return own !== undefined ? own : projectOptions?.[ENVIRONMENT_NAME]
}

/** `base` (the pool's options) with a file's choices applied. Throws on options that cannot be. */
export function mergeFileOptions(base: IsolationOptions, file: unknown): IsolationOptions {
  if (file === undefined || file === null) return base
  if (typeof file !== 'object' || Array.isArray(file)) throw invalidFileOptions(`expected an object, got ${JSON.stringify(file)}`, 'write for example `{"hostname": "api-test"}`')
  for (const key of Object.keys(file)) {
    if (key === 'plugins') throw invalidFileOptions('`plugins` are functions and cannot be set per file', "give them to `isolane({ plugins })` in the config")
    if (!FILE_KEYS.has(key)) throw invalidFileOptions(`unknown option \`${key}\``, `use only ${[...FILE_KEYS].map((k) => `\`${k}\``).join(', ')}`)
  }
  // The environment's own option (environment/index.ts): under the pool, the pool's option decides.
  const { share, reportNetworkAttempts: _report, ...own } = file as IsolaneFileOptions & { reportNetworkAttempts?: unknown }
  const merged: IsolationOptions = { ...base, ...own }
  if (share === undefined) return merged
  if (!Array.isArray(share) || !share.every(isNamespaceKind)) throw invalidFileOptions(`\`share\` must be an array of kinds, got ${JSON.stringify(share)}`, `use some of ${ALL_KINDS.join(', ')}`)
  return shareKinds(merged, share)
}

/** `options` without the kinds in `shared`, and without the options only those kinds allow. */
export function shareKinds(options: IsolationOptions, shared: readonly NamespaceKind[]): IsolationOptions {
  const out: Record<string, unknown> = { ...options, namespaces: (options.namespaces ?? DEFAULT_KINDS).filter((kind) => !shared.includes(kind)) }
  for (const [key, needs] of Object.entries(NEEDS)) if (needs.some((kind) => shared.includes(kind))) delete out[key]
  return out as IsolationOptions
}

function invalidFileOptions(what: string, fix: string): IsolaneError {
  return new IsolaneError('ISOLANE_INVALID_OPTIONS', `Invalid isolation options: ${what}. To fix: ${fix}.`, { hint: fix })
}
