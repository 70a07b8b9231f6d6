// Per-file isolation choices (a test file's docblock, or a project's per-file defaults), merged
// over the options of the run. Pure data in, options out: every adapter that lets a file choose
// its isolation (the Vitest pool and environment, the Jest runner) reads them through this.
import { ALL_KINDS, DEFAULT_KINDS, isNamespaceKind, type NamespaceKind } from './kinds.js'
import { IsolaneError } from './errors.js'
import type { BindMount, IsolationOptions } from './plan.js'

/** Options a single test file may set, as JSON in its docblock. */
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

const FILE_KEYS = new Set(['namespaces', 'loopback', 'hostname', 'tmpfs', 'mqueue', 'binds', 'share', 'reportNetworkAttempts'])

/** What each kind's options need: sharing the kind drops them. */
const NEEDS: Record<string, readonly NamespaceKind[]> = { loopback: ['net'], hostname: ['uts'], tmpfs: ['mnt'], binds: ['mnt'], mqueue: ['mnt', 'ipc'] }

/**
 * `base` (the run's options) with a file's choices applied. Throws on options that cannot be.
 * `reportNetworkAttempts` is accepted and left to the adapter (the Vitest environment reads it).
 */
export function mergeFileOptions(base: IsolationOptions, file: unknown): IsolationOptions {
  if (file === undefined || file === null) return base
  if (typeof file !== 'object' || Array.isArray(file)) throw invalidFileOptions(`expected an object, got ${JSON.stringify(file)}`, 'write for example `{"hostname": "api-test"}`')
  for (const key of Object.keys(file)) {
    if (key === 'plugins') throw invalidFileOptions('`plugins` are functions and cannot be set per file', 'give them in the options of the run')
    if (!FILE_KEYS.has(key)) throw invalidFileOptions(`unknown option \`${key}\``, `use only ${[...FILE_KEYS].map((k) => `\`${k}\``).join(', ')}`)
  }
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
