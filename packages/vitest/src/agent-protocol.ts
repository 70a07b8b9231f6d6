// What the pool and the agent in each worker (worker/agent.cts) say to each other, on the worker's
// IPC channel beside Vitest's own requests and responses.
import type { LeftoverProcess, TestNetworkAttempt } from '@isolane/core/internal'
import type { WorkerRequest, WorkerResponse } from 'vitest/node'

/** The key of every agent message: Vitest's worker ignores what lacks its own keys, and so does the pool's dispatch. */
export const AGENT_KEY = '__isolane_agent__'

/**
 * What follows a file: stop what it left running (`leftovers`), answer (AgentReply), then renew the
 * worker's net, uts, ipc, /tmp and /dev/shm for the next file (`renew`). The renewal runs after the
 * answer, while Vitest handles the file's results, and before the worker reads its next request.
 */
export interface AfterFile {
  readonly leftovers: boolean
  readonly renew: boolean
}

/**
 * The pool's request for what follows a file, where the agent does not do it unasked (the
 * handoff's `afterEachFile`): with keep: 'on-failure', which only the pool can decide.
 */
export type AgentRequest = AfterFile & {
  readonly [AGENT_KEY]: 'after-file'
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

/** Vitest's worker's answer to a request to run or collect files. */
export type FileFinished = Extract<WorkerResponse, { type: 'testfileFinished' }>

export function isFileFinished(message: unknown): message is FileFinished {
  const response = message as Partial<FileFinished> | null
  return response?.__vitest_worker_response__ === true && response.type === 'testfileFinished'
}

/** Vitest's request to run or collect files (its worker protocol's `__vitest_worker_request__`, type 'run' or 'collect'). */
export type FileRequest = Extract<WorkerRequest, { type: 'run' | 'collect' }>

export function isFileRequest(message: unknown): message is FileRequest {
  const request = message as Partial<FileRequest> | null
  return request?.__vitest_worker_request__ === true && (request.type === 'run' || request.type === 'collect')
}
