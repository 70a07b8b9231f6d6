// What the pool and the agent in each worker (worker/agent.cts) say to each other, on the worker's
// IPC channel beside Vitest's own requests and responses.
import type { LeftoverProcess, TestNetworkAttempt } from '@isolane/core/internal'
import type { WorkerRequest } from 'vitest/node'

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

export type { TestNetworkAttempt }

export type AgentReply =
  | { readonly [AGENT_KEY]: 'after-file'; readonly processes: readonly LeftoverProcess[]; readonly attempts: readonly TestNetworkAttempt[]; readonly holder?: number }
  | { readonly [AGENT_KEY]: 'failed'; readonly message: string }

/** A test's update as Vitest's runner sends it (its `onTaskUpdate` packs): JSON-safe. */
export type TestUpdate = [id: string, result: unknown, meta: object]

/**
 * Told by the agent, unasked, as a file's tests run: the test that begins, and the update of the
 * one that ended. Vitest's runner sends its own updates at most every 100 ms, and a worker that dies
 * in between takes the last ones with it: the pool then has these to say which test was running
 * and how the ones before it ended. Written to a file the pool reads only then (core's notices.ts).
 */
export type TestNotice = {
  readonly [AGENT_KEY]: 'test'
  readonly file: string
  readonly running?: { readonly id: string; readonly name: string }
  readonly ended?: TestUpdate
}

export function isAgentReply(message: unknown): message is AgentReply {
  return typeof message === 'object' && message !== null && AGENT_KEY in message
}

/** Vitest's request to run or collect files (its worker protocol's `__vitest_worker_request__`, type 'run' or 'collect'). */
export type FileRequest = Extract<WorkerRequest, { type: 'run' | 'collect' }>

export function isFileRequest(message: unknown): message is FileRequest {
  const request = message as Partial<FileRequest> | null
  return request?.__vitest_worker_request__ === true && (request.type === 'run' || request.type === 'collect')
}
