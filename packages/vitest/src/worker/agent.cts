// Preloaded (`node --require`) into every worker of the isolane pool, after core's setup and before
// Vitest's worker: between two files the pool asks it to renew the worker's isolation (isolate:
// false) and to stop what the last file left running. It answers on the worker's IPC channel,
// beside Vitest's own messages (the pool takes its answers out before Vitest sees them).
type LeftoverProcess = import('@isolane/core').LeftoverProcess
type AgentReply = import('../agent-protocol.js').AgentReply
type AgentRequest = import('../agent-protocol.js').AgentRequest

const { adoptOrphans, prepareRenewal, renewIsolation, stopLeftovers } = require('@isolane/core') as typeof import('@isolane/core')
const { AGENT_KEY } = require('../agent-protocol.js') as typeof import('../agent-protocol.js')

// The plan to renew with (isolate: false), taken out of the environment before Vitest's code runs.
prepareRenewal()
// A detached process a test starts stays this worker's descendant, so it can be found and stopped.
adoptOrphans()

// Listening only from when Vitest's worker listens: a 'message' listener makes Node read the IPC
// channel, and a message read before Vitest's listener exists (its 'start') would be lost to it.
process.on('newListener', function listenAlong(event: string | symbol) {
  if (event !== 'message') return
  process.off('newListener', listenAlong)
  process.on('message', (message: unknown) => {
    if (isAgentRequest(message)) process.send?.(answer(message))
  })
})

function answer(request: AgentRequest): AgentReply {
  try {
    if (request[AGENT_KEY] === 'renew') {
      renewIsolation()
      return { [AGENT_KEY]: 'renewed' }
    }
    const processes: LeftoverProcess[] = stopLeftovers()
    return { [AGENT_KEY]: 'leftovers', processes }
  } catch (error) {
    return { [AGENT_KEY]: 'failed', message: error instanceof Error ? error.message : String(error) }
  }
}

function isAgentRequest(message: unknown): message is AgentRequest {
  return typeof message === 'object' && message !== null && AGENT_KEY in message
}
