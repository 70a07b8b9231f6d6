// '@isolane/pool/worker': what a task may use from inside its worker. Light: no host code loads.
import { createRequire } from 'node:module'
import { PROGRESS_KEY, type ProgressMessage } from '../shared/protocol.js'

type NetworkAttempt = import('@isolane/core/worker').NetworkAttempt

/**
 * Tells the pool what the task is doing now (a JSON-safe value), while it runs: the pool hands it
 * to its `onProgress` at once. What was said before a worker died is all its host can know of
 * how far the task got (isolane-mocha: the tests that ran, and the one that was running).
 */
export function reportProgress(value: unknown): void {
  const message: ProgressMessage = { [PROGRESS_KEY]: true, value }
  process.send?.(message)
}

/**
 * Writes down what the task is doing now (a JSON-safe value), for its host to know only if the
 * worker dies before the task ends: the error the task then fails with (ISOLANE_WORKER_EXITED)
 * carries what it recorded, in order, as `progress`. A line in a file the pool gave the worker (a
 * write(2)); the host reads nothing while the worker lives. For what the host needs as it happens,
 * reportProgress(). Does nothing in a worker of no isolane pool.
 */
export function recordProgress(value: unknown): void {
  coreWorker().taskNotices()?.record(value)
}

let watchingNetwork = false

/**
 * From the first call on, for the worker's life: a test's failed attempt to reach outside the
 * worker's network says on its error how to allow it (core's watchNetworkAttempts), and is
 * reported as progress, as `describe` makes it from what runs now (nothing while it gives undefined:
 * no file runs). Later calls do nothing.
 */
export function reportNetworkAttempts(howToAllow: string, describe: (attempt: NetworkAttempt) => unknown): void {
  if (watchingNetwork) return
  watchingNetwork = true
  coreWorker().watchNetworkAttempts({
    howToAllow,
    onAttempt: (attempt) => {
      const progress = describe(attempt)
      if (progress !== undefined) reportProgress(progress)
    },
  })
}

let core: typeof import('@isolane/core/worker') | undefined

/** Core's worker part, required when first needed, not imported: an import would have Node's CommonJS lexer read the whole bundle for its names. */
function coreWorker(): typeof import('@isolane/core/worker') {
  return (core ??= createRequire(import.meta.url)('@isolane/core/worker') as typeof import('@isolane/core/worker'))
}
