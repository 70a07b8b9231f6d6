// Preloaded (`node --require`) into every worker of the isolane pool, after core's setup and before
// Vitest's worker: after each file it stops what the file left running and (with isolate: false)
// renews the worker's isolation for the next file, as soon as Vitest's worker says the file
// finished (or, with keep: 'on-failure', when the pool asks). It answers on the worker's IPC
// channel, beside Vitest's own messages (the pool takes its answers out before Vitest sees them),
// and renews right after answering: a renewal that failed ends the worker (status 125), saying
// why, when the next file comes.
type LeftoverProcess = import('@isolane/core/worker').LeftoverProcess
type AgentReply = import('../agent-protocol.js').AgentReply
type AfterFile = import('../agent-protocol.js').AfterFile
type AgentRequest = import('../agent-protocol.js').AgentRequest
type TestNetworkAttempt = import('../agent-protocol.js').TestNetworkAttempt
type TestNotice = import('../agent-protocol.js').TestNotice

// core's worker part, one CommonJS file (entry/worker.ts); this agent is bundled too (scripts/build.js).
const { adoptOrphans, forgetPreload, holdNamespaces, NoticeWriter, prepareRenewal, renewIsolation, stopLeftovers, useKoffiAddon, watchNetworkAttempts } = require('@isolane/core/worker') as typeof import('@isolane/core/worker')
const { AGENT_KEY, isFileFinished, isFileRequest } = require('../agent-protocol.js') as typeof import('../agent-protocol.js')
const { currentTest } = require('../expect-state.js') as typeof import('../expect-state.js')
const { readHandoff } = require('../handoff.js') as typeof import('../handoff.js')

// Out of process.execArgv: the tests do not see it, and what they fork is no worker of the pool.
forgetPreload(__filename)
const handoff = readHandoff()
// koffi (for prctl and the renewal's syscalls) from the file the pool's process loaded it from.
useKoffiAddon(handoff?.koffiAddon)
// The plan to renew with (isolate: false), taken out of the environment before Vitest's code runs.
prepareRenewal()
// A detached process a test starts stays this worker's descendant, so it can be found and stopped.
adoptOrphans()

// What tests try to reach outside the worker's own network: said on the error, and listed at the end.
const attempts: TestNetworkAttempt[] = []
const howToAllow = handoff?.kinds.includes('net') ? handoff.networkHowToAllow : undefined
if (howToAllow !== undefined) {
  watchNetworkAttempts({ howToAllow, onAttempt: (attempt) => attempts.push({ ...attempt, ...currentTest() }) })
}

watchSends()

// Listening only from when Vitest's worker listens: a 'message' listener makes Node read the IPC
// channel, and a message read before Vitest's listener exists (its 'start') would be lost to it.
process.on('newListener', function listenAlong(event: string | symbol) {
  if (event !== 'message') return
  process.off('newListener', listenAlong)
  // Heard before Vitest's own listener (added first, from 'newListener'). The renewal runs right
  // after the answer, while Vitest handles the file's results, off the next file's path. After a
  // worker's last file the run may be over and what the renewal binds (Vitest's temporary
  // directory) gone: so a renewal that fails only ends the worker if a next file comes.
  process.on('message', (message: unknown) => {
    if (isAgentRequest(message)) finishFile(message)
    else if (renewalFailure !== undefined && isFileRequest(message)) {
      process.stderr.write(`isolane: this worker's isolation could not be renewed for its next file, so the worker ends: ${renewalFailure}\n`)
      process.exit(125)
    }
  })
})

/** Why the last renewal failed, until a next file comes (or never, after the last). */
let renewalFailure: string | undefined

/** What follows a file: the answer (what the file left, stopped), then the renewal. */
function finishFile(what: AfterFile & Pick<AgentRequest, 'keep'>): void {
  process.send?.(afterFile(what))
  if (what.renew) renew()
}

function afterFile(what: AfterFile & Pick<AgentRequest, 'keep'>): AgentReply {
  try {
    const processes: LeftoverProcess[] = what.leftovers ? stopLeftovers() : []
    // After the leftovers are stopped: the holder is no leftover, and keeps what the file left in /tmp.
    const holder = what.keep ? holdNamespaces() : undefined
    return { [AGENT_KEY]: 'after-file', processes, attempts: attempts.splice(0), holder }
  } catch (error) {
    return { [AGENT_KEY]: 'failed', message: messageOf(error) }
  }
}

function renew(): void {
  try {
    renewIsolation()
  } catch (error) {
    renewalFailure = messageOf(error)
  }
}

/** The part of a test of Vitest's runner the agent reads. */
interface RunnerTest {
  readonly type: string
  readonly id: string
  readonly name: string
  readonly file?: { readonly filepath: string }
  readonly result?: unknown
  readonly meta: object
}

/**
 * Watches what Vitest's worker sends its process (Vitest's worker binds process.send when it loads,
 * after this agent): its answer that a file finished starts what follows the file, where the agent
 * does that unasked (the handoff's `afterEachFile`), and each new state of the worker is watched
 * for its tests (tellTests).
 */
function watchSends(): void {
  const send = process.send
  const afterEach = handoff?.afterEachFile
  const onState = tellTests()
  if (!send || (afterEach === undefined && onState === undefined)) return
  const watched = new WeakSet<object>()
  process.send = function sendAndWatch(this: unknown, ...args: unknown[]) {
    const state = (globalThis as { __vitest_worker__?: { current?: unknown } }).__vitest_worker__
    if (onState && typeof state === 'object' && state !== null && !watched.has(state)) {
      watched.add(state)
      onState(state)
    }
    const sent = Reflect.apply(send, this, args) as boolean
    // Once Vitest's worker is done with the answer, before any message is read: the next file
    // cannot begin before the renewal.
    if (afterEach && isFileFinished(args[0])) process.nextTick(finishFile, afterEach)
    return sent
  } as typeof process.send
}

/**
 * What tells the pool which test begins and how the last one ended, as they happen (TestNotice),
 * given each new state of Vitest's worker; undefined without the pool's file for them (a worker of
 * another pool, or no IPC channel): there is no one to tell. The worker's state
 * (`__vitest_worker__`, made by Vitest for each run) holds the task running now in `current`,
 * which Vitest's runner sets when a test begins and, once its result is final, when it ends: the
 * agent watches that property. Vitest's worker talks to its process before a file's first test
 * begins (its collected tests), so a new state is found when it does (watchSends).
 */
function tellTests(): ((state: { current?: unknown }) => void) | undefined {
  const tell = noticeWriter()
  if (!process.send || !tell) return undefined
  return function watchCurrent(state: { current?: unknown }): void {
    let current = state.current as RunnerTest | undefined
    Object.defineProperty(state, 'current', {
      configurable: true,
      enumerable: true,
      get: () => current,
      set(task: RunnerTest | undefined) {
        // A test ends when another task becomes current and its result is final (with concurrent
        // tests, another may begin while it still runs).
        const ended = current?.type === 'test' && task !== current && isFinal(current.result) ? current : undefined
        current = task
        const running = task?.type === 'test' ? task : undefined
        const file = (running ?? ended)?.file?.filepath
        if (file === undefined) return
        tell({
          [AGENT_KEY]: 'test',
          file,
          ...(running ? { running: { id: running.id, name: running.name } } : {}),
          ...(ended ? { ended: [ended.id, ended.result, ended.meta] } : {}),
        })
      },
    })
  }
}

/**
 * What writes a notice, a line of JSON, to the file the pool gave the worker for them (core's
 * notices.ts), which it reads only if the worker dies; undefined without one.
 */
function noticeWriter(): ((notice: TestNotice) => void) | undefined {
  const inherited = handoff?.noticeFd
  const writer = inherited === undefined ? undefined : NoticeWriter.inherit(inherited)
  if (!writer) return undefined
  return (notice) => {
    try {
      writer.write(notice)
    } catch {
      // A result JSON cannot hold: the test that runs is still worth saying.
      writer.write({ ...notice, ended: undefined })
    }
  }
}

function isFinal(result: unknown): boolean {
  const state = (result as { state?: string } | undefined)?.state
  return state !== undefined && state !== 'run' && state !== 'queued'
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function isAgentRequest(message: unknown): message is AgentRequest {
  return typeof message === 'object' && message !== null && AGENT_KEY in message
}
