// Preloaded (`node --require`) into every worker of the isolane pool, after core's setup and before
// Vitest's worker: after each file the pool asks it to stop what the file left running and (with
// isolate: false) to renew the worker's isolation for the next file. It answers on the worker's
// IPC channel, beside Vitest's own messages (the pool takes its answers out before Vitest sees
// them), and renews when the next file's request comes: a renewal that fails ends the worker
// (status 125), saying why.
type LeftoverProcess = import('@isolane/core').LeftoverProcess
type AgentReply = import('../agent-protocol.js').AgentReply
type AgentRequest = import('../agent-protocol.js').AgentRequest
type TestNetworkAttempt = import('../agent-protocol.js').TestNetworkAttempt

const { adoptOrphans, holdNamespaces, prepareRenewal, renewIsolation, stopLeftovers, watchNetworkAttempts } = require('@isolane/core') as typeof import('@isolane/core')
const { AGENT_KEY } = require('../agent-protocol.js') as typeof import('../agent-protocol.js')
const { readHandoff } = require('../handoff.js') as typeof import('../handoff.js')
const { NETWORK_HOW_TO_ALLOW } = require('../_messages.js') as typeof import('../_messages.js')

// The plan to renew with (isolate: false), taken out of the environment before Vitest's code runs.
prepareRenewal()
// A detached process a test starts stays this worker's descendant, so it can be found and stopped.
adoptOrphans()

// What tests try to reach outside the worker's own network: said on the error, and listed at the end.
const attempts: TestNetworkAttempt[] = []
const handoff = readHandoff()
if (handoff?.kinds.includes('net') && handoff.reportNetworkAttempts !== false) {
  watchNetworkAttempts({ howToAllow: NETWORK_HOW_TO_ALLOW, onAttempt: (attempt) => attempts.push({ ...attempt, ...currentTest() }) })
}

/** The file and test running now, from Vitest's expect state (what `expect.getState()` returns). */
function currentTest(): { file: string | undefined; test: string | undefined } {
  const state = (globalThis as { [key: symbol]: { state?: { testPath?: string; currentTestName?: string } } | undefined })[Symbol.for('$$jest-matchers-object')]?.state
  return { file: state?.testPath, test: state?.currentTestName || undefined }
}

// Listening only from when Vitest's worker listens: a 'message' listener makes Node read the IPC
// channel, and a message read before Vitest's listener exists (its 'start') would be lost to it.
process.on('newListener', function listenAlong(event: string | symbol) {
  if (event !== 'message') return
  process.off('newListener', listenAlong)
  // Heard before Vitest's own listener (added first, from 'newListener'): a renewal due is done
  // before Vitest's worker reads the next file's request, and never after the last file, when the
  // run is over and the paths it binds (Vitest's temporary directory) may be gone.
  process.on('message', (message: unknown) => {
    if (isAgentRequest(message)) {
      process.send?.(afterFile(message))
      renewalDue = message.renew
    } else if (renewalDue && isFileRequest(message)) {
      renewalDue = false
      renew()
    }
  })
})

let renewalDue = false

/** Vitest's request to run or collect files (its worker's protocol: `__vitest_worker_request__`, type 'run' or 'collect'). */
function isFileRequest(message: unknown): boolean {
  const request = message as { __vitest_worker_request__?: unknown; type?: unknown } | null
  return request?.__vitest_worker_request__ === true && (request.type === 'run' || request.type === 'collect')
}

function afterFile(request: AgentRequest): AgentReply {
  try {
    const processes: LeftoverProcess[] = request.leftovers ? stopLeftovers() : []
    // After the leftovers are stopped: the holder is no leftover, and keeps what the file left in /tmp.
    const holder = request.keep ? holdNamespaces() : undefined
    return { [AGENT_KEY]: 'after-file', processes, attempts: attempts.splice(0), holder }
  } catch (error) {
    return { [AGENT_KEY]: 'failed', message: messageOf(error) }
  }
}

function renew(): void {
  try {
    renewIsolation()
  } catch (error) {
    process.stderr.write(`isolane: this worker's isolation could not be renewed for its next file, so the worker ends: ${messageOf(error)}\n`)
    process.exit(125)
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function isAgentRequest(message: unknown): message is AgentRequest {
  return typeof message === 'object' && message !== null && AGENT_KEY in message
}
