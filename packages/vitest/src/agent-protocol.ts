// What the pool and the agent in each worker (worker/agent.cts) say to each other, on the worker's
// IPC channel beside Vitest's own requests and responses.
import type { LeftoverProcess, NetworkAttempt } from '@isolane/core'

/** The key of every agent message: Vitest's worker ignores what lacks its own keys, and so does the pool's dispatch. */
export const AGENT_KEY = '__isolane_agent__'

/**
 * After a file: stop what it left running (`leftovers`), answer, then renew the worker's net, uts,
 * ipc, /tmp and /dev/shm for the next file (`renew`). The renewal runs after the answer, while
 * Vitest handles the file's results, and before the worker reads its next request.
 */
export type AgentRequest = {
  readonly [AGENT_KEY]: 'after-file'
  readonly leftovers: boolean
  readonly renew: boolean
  /** The file failed and is to be kept: start the process that holds the worker's namespaces (core's holdNamespaces()). */
  readonly keep?: boolean
}

/** A test's attempt to reach outside the worker's network, with the file and test it came from (Vitest's expect state). */
export interface TestNetworkAttempt extends NetworkAttempt {
  readonly file: string | undefined
  readonly test: string | undefined
}

export type AgentReply =
  | { readonly [AGENT_KEY]: 'after-file'; readonly processes: readonly LeftoverProcess[]; readonly attempts: readonly TestNetworkAttempt[]; readonly holder?: number }
  | { readonly [AGENT_KEY]: 'failed'; readonly message: string }

export function isAgentReply(message: unknown): message is AgentReply {
  return typeof message === 'object' && message !== null && AGENT_KEY in message
}
