// '@isolane/pool/worker': what a task may use from inside its worker. Light: no host code loads.
import { PROGRESS_KEY, type ProgressMessage } from '../shared/protocol.js'

/**
 * Tells the pool what the task is doing now (a JSON-safe value), while it runs: the pool hands it
 * to its `onProgress` at once. What was said before a worker died is all its host can know of
 * how far the task got (isolane-mocha: the tests that ran, and the one that was running).
 */
export function reportProgress(value: unknown): void {
  const message: ProgressMessage = { [PROGRESS_KEY]: true, value }
  process.send?.(message)
}
