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

let watchingNetwork = false

/**
 * From the first call on, for the worker's life: a test's failed attempt to reach outside the
 * worker's network says on its error how to allow it (core's watchNetworkAttempts), and is
 * reported as progress, as `describe` makes it from what runs now (nothing while it gives undefined:
 * no file runs). Later calls do nothing. Core's worker part is required when first asked for, not
 * imported: an import would have Node's CommonJS lexer read the whole bundle for its names.
 */
export function reportNetworkAttempts(howToAllow: string, describe: (attempt: NetworkAttempt) => unknown): void {
  if (watchingNetwork) return
  watchingNetwork = true
  const { watchNetworkAttempts } = createRequire(import.meta.url)('@isolane/core/worker') as typeof import('@isolane/core/worker')
  watchNetworkAttempts({
    howToAllow,
    onAttempt: (attempt) => {
      const progress = describe(attempt)
      if (progress !== undefined) reportProgress(progress)
    },
  })
}
