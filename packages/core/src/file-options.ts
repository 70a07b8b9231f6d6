// Per-file isolation choices (a test file's docblock, or a project's per-file defaults), merged
// over the options of the run. Pure data in, options out: every adapter that lets a file choose
// its isolation (the Vitest pool and environment, the Jest runner) reads them through this. Which
// options a file may set, and which kinds each needs, is the option table's (option-table.ts).
import { invalidOptions } from './errors.js'
import { DEFAULT_KINDS, isNamespaceKind, type NamespaceKind } from './kinds.js'
import { FILE_OPTION_NAMES, OPTIONS, type OptionName } from './option-table.js'
import type { BindMount, IsolationOptions } from './plan-types.js'

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
  /** Whether this file's failed attempts to reach outside its worker's network are reported (the adapter reads it). */
  reportNetworkAttempts?: boolean
}

/**
 * `base` (the run's options) with a file's choices applied. Throws on options that cannot be.
 * `reportNetworkAttempts` is accepted and left to the adapter (the Vitest environment reads it).
 */
export function mergeFileOptions(base: IsolationOptions, file: unknown): IsolationOptions {
  if (file === undefined || file === null) return base
  if (typeof file !== 'object' || Array.isArray(file)) throw invalidOptions(`expected an object, got ${JSON.stringify(file)}`, 'write for example `{"hostname": "api-test"}`')
  for (const key of Object.keys(file)) {
    const perFile = Object.hasOwn(OPTIONS, key) ? OPTIONS[key as OptionName].perFile : false
    if (typeof perFile === 'string') throw invalidOptions(perFile, 'give them in the options of the run')
    if (!perFile) throw invalidOptions(`unknown option \`${key}\``, `use only ${FILE_OPTION_NAMES.map((k) => `\`${k}\``).join(', ')}`)
  }
  const { share, reportNetworkAttempts: _report, ...own } = file as IsolaneFileOptions
  const merged: IsolationOptions = { ...base, ...own }
  if (share === undefined) return merged
  if (!Array.isArray(share) || !share.every(isNamespaceKind)) throw invalidOptions(`\`share\` must be ${OPTIONS.share.expected}, got ${JSON.stringify(share)}`, OPTIONS.share.fix)
  return shareKinds(merged, share)
}

/** `options` without the kinds in `shared`, and without the options only those kinds allow. */
export function shareKinds(options: IsolationOptions, shared: readonly NamespaceKind[]): IsolationOptions {
  const out: Record<string, unknown> = { ...options, namespaces: (options.namespaces ?? DEFAULT_KINDS).filter((kind) => !shared.includes(kind)) }
  for (const name of Object.keys(OPTIONS) as OptionName[]) if (OPTIONS[name].needs.some((kind) => shared.includes(kind))) delete out[name]
  return out as IsolationOptions
}
