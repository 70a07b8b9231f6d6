// A fresh tmpfs on /tmp hides everything under it, and a Vitest worker reads some host paths
// there by their absolute names: Vitest's module cache (`os.tmpdir()/<id>`, written by Vitest's
// process while the worker runs, read by the worker when `cacheFs` is on, as for forks workers),
// and the project or Vitest itself when they live under /tmp. Each is shown again at its own path
// with a bind mount, made after the tmpfs (core's `binds`); a bind is live, so later writes show.
import { mkdirSync, realpathSync } from 'node:fs'
import { relative, sep } from 'node:path'
import type { BindMount } from '@isolane/core/internal'

export interface WorkerPaths {
  /** Vitest's per-project directory of transformed modules; created here if missing. */
  readonly moduleCache: string
  /** Paths the worker reads or writes: the project root, Vitest's dist folder, the cwd. */
  readonly others: readonly string[]
}

/** The bind mounts that keep `paths` reachable under the fresh tmpfs mounts `tmpfs`. */
export function bindsToKeep(tmpfs: readonly string[], paths: WorkerPaths): BindMount[] {
  const binds = new Map<string, BindMount>()
  const keep = (path: string, readOnly: boolean) => {
    const top = topBelow(tmpfs, path)
    if (top === undefined) return
    const known = binds.get(top)
    binds.set(top, { source: top, target: top, readOnly: readOnly && (known?.readOnly ?? true) })
  }
  if (topBelow(tmpfs, paths.moduleCache) !== undefined) mkdirSync(paths.moduleCache, { recursive: true })
  // The worker only reads the module cache: Vitest's own process writes it.
  keep(paths.moduleCache, true)
  for (const path of paths.others) keep(realOrSelf(path), false)
  return [...binds.values()]
}

/** The directory just below the tmpfs mount that holds `path` (`/tmp/a` for `/tmp/a/b/c`). */
function topBelow(tmpfs: readonly string[], path: string): string | undefined {
  for (const mount of tmpfs) {
    const rest = relative(mount, path)
    if (rest === '' || rest.startsWith('..') || rest.startsWith(sep)) continue
    const first = rest.split(sep)[0]
    if (first) return `${mount.replace(/\/$/, '')}/${first}`
  }
  return undefined
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}
