// What the pool and the agent in each worker (worker/agent.cts) say to each other, on the worker's
// IPC channel beside Vitest's own requests and responses.
import type { LeftoverProcess } from '@isolane/core'

/** The key of every agent message: Vitest's worker ignores what lacks its own keys, and so does the pool's dispatch. */
export const AGENT_KEY = '__isolane_agent__'

/** Renew the worker's net, uts, ipc, /tmp and /dev/shm before the next file; stop what the last file left. */
export type AgentRequest = { readonly [AGENT_KEY]: 'renew' } | { readonly [AGENT_KEY]: 'leftovers' }

export type AgentReply =
  | { readonly [AGENT_KEY]: 'renewed' }
  | { readonly [AGENT_KEY]: 'leftovers'; readonly processes: readonly LeftoverProcess[] }
  | { readonly [AGENT_KEY]: 'failed'; readonly message: string }

export function isAgentReply(message: unknown): message is AgentReply {
  return typeof message === 'object' && message !== null && AGENT_KEY in message
}
