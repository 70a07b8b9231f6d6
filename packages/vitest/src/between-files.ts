// What the pool does around each file a worker runs: whatever the file left running is stopped and
// named, and with isolate: false the worker's isolation is renewed for the next file (a fresh net,
// uts and ipc namespace, an empty /tmp and /dev/shm: nothing the file left can be reached by the
// next, nothing blocks it), by the agent in the worker, right after it answered. The agent does it
// unasked as soon as the file finished, and the pool only reads its answer, unless a failed file's
// namespaces may be kept (keep: 'on-failure'): then the pool, which knows whether the file failed,
// asks for it. A worker that dies under a file (killed, exited, past the file's time limit) fails
// that file, named, and the next file gets a fresh worker. Vitest sends a reused worker one request
// per file, except with one worker (maxWorkers: 1), where all files come in one request: the pool
// then sends them one by one.
import { relative } from 'node:path'
import { describeLeftovers, type IsolaneErrorCode, type LeftoverProcess, type LeftoversMode } from '@isolane/core/internal'
import type { WorkerRequest } from 'vitest/node'
import { AGENT_KEY, isAgentReply, isFileFinished, type AfterFile, type AgentReply, type AgentRequest, type FileFinished, type FileRequest, type TestNetworkAttempt } from './agent-protocol.js'

/** The worker's side of the channel, as the pool worker offers it. */
export interface WorkerChannel {
  send(message: WorkerRequest | AgentRequest): void
  /** The worker's next message that `match` accepts, kept from Vitest; rejects if the worker exits first. */
  next<T>(match: (message: unknown) => message is T): Promise<T>
  /** A live worker for the next file: after one died, a fresh one (false if none can be set up). */
  alive(): Promise<boolean>
  /** Ends the worker on purpose (its namespaces are kept), once it is gone: the next file gets a fresh one. */
  retire(): Promise<void>
  /** Marks the files that had not finished as failed, saying how their worker died. */
  failUnfinished(paths: readonly string[]): Promise<void>
}

export interface BetweenFiles {
  /** Renew the worker after every file, for the next (isolate: false). */
  readonly renew: boolean
  readonly leftovers: LeftoversMode
  /** The project's root, to name files as Vitest does. */
  readonly root: string
  /** Where warnings go (Vitest's error stream). */
  warn(line: string): void
  /** Whether Vitest is cancelling the run (--bail, Ctrl+C): the files not started yet are then not run. */
  isCancelling(): boolean
  /** Reports files as skipped, as Vitest does for the files it had not started when a run is cancelled. */
  cancelFiles(files: FileRequest['context']['files']): void
  /** Whether the agent notes what tests try to reach outside the worker's network: then it is asked after every file. */
  readonly networkAttempts: boolean
  /** Told what the file's tests tried to reach outside the worker's network. */
  onNetworkAttempts(attempts: readonly TestNetworkAttempt[]): void
  /** Keep the namespaces of a worker whose file failed (keep: 'on-failure'). */
  readonly keep: boolean
  /** Whether the file (or a test in it) failed, as Vitest has it. */
  fileFailed(path: string): boolean
  /** Told that the worker's namespaces are held for `file` by the process `holder`. */
  onKept(file: string, holder: number): void
}

/**
 * What the agent does after each file on its own, with no request (one round trip less a file), or
 * undefined: nothing to do, or with keep: 'on-failure', where the pool asks after each file.
 */
export function unpromptedAfterFile(how: Pick<BetweenFiles, 'renew' | 'leftovers' | 'networkAttempts' | 'keep'>): AfterFile | undefined {
  return how.keep ? undefined : afterEveryFile(how)
}

/** What follows every file whatever its outcome, or undefined if nothing does. */
function afterEveryFile(how: Pick<BetweenFiles, 'renew' | 'leftovers' | 'networkAttempts'>): AfterFile | undefined {
  const leftovers = how.leftovers !== 'keep'
  return leftovers || how.renew || how.networkAttempts ? { leftovers, renew: how.renew } : undefined
}

/**
 * Runs the files of `request` one at a time, each with its renewal and its leftovers check, and
 * returns the one answer Vitest waits for: the first error of any file, else the last answer.
 */
export async function runFiles(request: FileRequest, channel: WorkerChannel, how: BetweenFiles): Promise<FileFinished> {
  const parts = how.renew ? request.context.files.map((file) => ({ ...request, context: { ...request.context, files: [file] } })) : [request]
  const unprompted = unpromptedAfterFile(how) !== undefined
  let answer: FileFinished | undefined
  let error: unknown
  for (const [index, part] of parts.entries()) {
    if (index > 0 && how.isCancelling()) {
      how.cancelFiles(parts.slice(index).flatMap((rest) => rest.context.files))
      break
    }
    const names = part.context.files.map((file) => relative(how.root, file.filepath)).join(', ')
    const paths = part.context.files.map((file) => file.filepath)
    // A worker that died under an earlier file is replaced; one that cannot be set up fails the file at once.
    if (!(await channel.alive())) {
      await channel.failUnfinished(paths)
      continue
    }
    // Both waited for before the worker can answer: the agent's unasked answer follows the file's at once.
    const finished = channel.next(isFileFinished)
    const replied = unprompted ? channel.next(isAgentReply) : undefined
    replied?.catch(() => {}) // a worker that dies under its file fails it below
    channel.send(part)
    try {
      answer = await finished
    } catch {
      // The worker died (killed, exited, past the file's time limit): its files fail, named; the run goes on.
      await channel.failUnfinished(paths)
      continue
    }
    error ??= answer.error
    const reply = replied ?? askAfterFile(paths, how, channel)
    if (reply === undefined) continue
    let after: AgentReply
    try {
      after = await reply
    } catch {
      continue // the worker died after its file: the next file gets a fresh one
    }
    if (after[AGENT_KEY] === 'failed') error ??= runError(`isolane could not check what ${names} left running: ${after.message}. This is a bug in isolane: please report it.`)
    else {
      if (after.holder !== undefined) {
        how.onKept(paths[0]!, after.holder)
        if (how.renew) await channel.retire()
      }
      if (after.attempts.length > 0) how.onNetworkAttempts(after.attempts)
      if (after.processes.length > 0) error ??= reportLeftovers(names, after.processes, how)
    }
  }
  const finished: FileFinished = answer ?? { __vitest_worker_response__: true, type: 'testfileFinished' }
  return error === undefined ? finished : { ...finished, error }
}

/** Asks the agent for what follows the file, where it does not do that unasked: its answer, or undefined if nothing follows. */
function askAfterFile(paths: readonly string[], how: BetweenFiles, channel: WorkerChannel): Promise<AgentReply> | undefined {
  const always = afterEveryFile(how)
  const keep = how.keep && paths.length === 1 && how.fileFailed(paths[0]!)
  if (always === undefined && !keep) return undefined
  const reply = channel.next(isAgentReply)
  // A kept worker is not renewed: its mount namespace, with the file's /tmp, is what is kept; the next file gets a fresh worker.
  channel.send({ [AGENT_KEY]: 'after-file', leftovers: always?.leftovers ?? false, renew: (always?.renew ?? false) && !keep, keep })
  return reply
}

/** A warning, or with leftovers: 'fail' the error of the run. */
function reportLeftovers(file: string, processes: readonly LeftoverProcess[], how: BetweenFiles): unknown {
  const what = `${file} ${describeLeftovers(processes)}`
  if (how.leftovers === 'stop') {
    how.warn(`isolane: ${what}`)
    return undefined
  }
  return runError(`isolane: ${what}. To fix: stop what the file starts before it ends (kill the child, close the server), or set \`leftovers: 'stop'\` in isolane({ ... }) to be warned only.`, 'ISOLANE_LEFT_PROCESSES')
}

/** An error as Vitest's worker sends it (serialized), which Vitest reports as a Test Run Error. */
function runError(message: string, code: IsolaneErrorCode = 'ISOLANE_INTERNAL'): unknown {
  return { name: 'IsolaneError', code, message, stack: `IsolaneError: ${message}` }
}
