// In a worker with a network namespace of its own (only its own loopback): code under test that
// tries to reach anything else fails at once, with ENETUNREACH (an address) or EAI_AGAIN (a name:
// no resolver can be reached). Right, but the error alone does not say that isolation caused it.
// watchNetworkAttempts() notes each such failure, adds to the error's own message what happened
// and how to allow it, and tells the adapter (which test, where to), which lists them at the end.
import dns from 'node:dns'
import net from 'node:net'
import { relative } from 'node:path'
import { promisify } from 'node:util'

/** A failed attempt to reach outside the worker's network namespace. */
export interface NetworkAttempt {
  /** The name asked for, when the code gave one. */
  readonly host: string | undefined
  readonly address: string | undefined
  readonly port: number | undefined
  /** The system error, e.g. "connect ENETUNREACH 192.0.2.10:80", "getaddrinfo EAI_AGAIN example.com". */
  readonly error: string
}

export interface WatchNetworkOptions {
  /** Said on each error after what happened: how to allow it, in the adapter's own terms. */
  readonly howToAllow: string
  /** Told of each attempt, once, when its error is emitted or returned. */
  readonly onAttempt: (attempt: NetworkAttempt) => void
}

/** What fails when the destination is outside: no route to an address, no resolver for a name. */
const OUTSIDE_CODES: ReadonlySet<string> = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'EAI_AGAIN'])
const NOTED = Symbol('isolane.networkAttempt')

interface SystemError extends Error {
  code?: string
  syscall?: string
  hostname?: string
  address?: string
  port?: number
  [NOTED]?: true
}

/**
 * Watches sockets (net, http, https, fetch: they all connect through net.Socket) and dns.lookup()
 * in this thread. Returns the function that stops watching.
 */
export function watchNetworkAttempts({ howToAllow, onAttempt }: WatchNetworkOptions): () => void {
  const note = (error: unknown, socket?: net.Socket): void => {
    const failure = error as SystemError | null
    if (!failure || typeof failure !== 'object' || !OUTSIDE_CODES.has(failure.code ?? '') || failure[NOTED]) return
    failure[NOTED] = true
    // A socket keeps the name it was asked to connect to (net's own field, as old as net.connect).
    const host = failure.hostname ?? (socket as { _host?: unknown } | undefined)?._host
    const attempt: NetworkAttempt = { host: typeof host === 'string' ? host : undefined, address: failure.address, port: failure.port, error: failure.message }
    const said = failure.message
    // Read first: V8 formats a stack on its first read, from the message as it is then (an error
    // never read yet, as dns.promises' are, would get the note twice).
    const stack = failure.stack
    failure.message += ` [isolane: ${describeDestination(attempt)} is outside this worker's network namespace, which has only its own loopback. To allow it: ${howToAllow}.]`
    // Reporters that print the stack's first lines as the message (Mocha's) see it too.
    if (typeof stack === 'string') failure.stack = stack.replace(said, failure.message)
    onAttempt(attempt)
  }

  const socketEmit = net.Socket.prototype.emit as (this: net.Socket, event: string | symbol, ...args: unknown[]) => boolean
  net.Socket.prototype.emit = function emit(this: net.Socket, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error') note(args[0], this)
    return socketEmit.call(this, event, ...args)
  } as typeof net.Socket.prototype.emit

  const lookup = dns.lookup
  dns.lookup = function watchedLookup(hostname: string, ...rest: unknown[]): void {
    const callback = rest.pop() as (error: unknown, ...results: unknown[]) => void
    return (lookup as (...args: unknown[]) => void)(hostname, ...rest, (error: unknown, ...results: unknown[]) => {
      note(error)
      callback(error, ...results)
    })
  } as typeof dns.lookup
  // util.promisify(dns.lookup) keeps resolving to { address, family }, as it does unwatched.
  Object.assign(dns.lookup, { [promisify.custom]: (lookup as unknown as Record<symbol, unknown>)[promisify.custom] })
  const promisesLookup = dns.promises.lookup
  dns.promises.lookup = async function watchedPromisesLookup(...args: unknown[]) {
    try {
      return await (promisesLookup as (...lookupArgs: unknown[]) => Promise<unknown>)(...args)
    } catch (error) {
      note(error)
      throw error
    }
  } as typeof promisesLookup

  return () => {
    net.Socket.prototype.emit = socketEmit as typeof net.Socket.prototype.emit
    dns.lookup = lookup
    dns.promises.lookup = promisesLookup
  }
}

/** An attempt with the test file and test it came from, as an adapter knows them. */
export interface TestNetworkAttempt extends NetworkAttempt {
  readonly file: string | undefined
  readonly test: string | undefined
}

/**
 * The end-of-run list of what tests tried to reach outside their workers' network (each line once):
 * `tool` says who speaks, `howToAllow` and `optOut` are in the adapter's own terms.
 */
export function describeNetworkAttempts(attempts: readonly TestNetworkAttempt[], { tool, root, howToAllow, optOut }: { tool: string; root: string; howToAllow: string; optOut: string }): string {
  const lines = [...new Set(attempts.map((a) => `${[a.file && relative(root, a.file), a.test].filter(Boolean).join(' > ') || 'a test'}: ${describeDestination(a)} (${a.error})`))]
  const tests = lines.length === 1 ? '1 test tried to reach the network outside its worker' : `${lines.length} tests tried to reach the network outside their workers`
  return `${tool}: ${tests} (each worker has only its own loopback), and failed:\n${lines.map((line) => `  ${line}\n`).join('')}To allow one: ${howToAllow}. To leave this list out: ${optOut}.\n`
}

/** "example.com", "example.com (192.0.2.10:80)", "192.0.2.10:80". */
export function describeDestination({ host, address, port }: Pick<NetworkAttempt, 'host' | 'address' | 'port'>): string {
  const at = address === undefined ? undefined : port === undefined ? address : `${address.includes(':') ? `[${address}]` : address}:${port}`
  if (host !== undefined && at !== undefined && host !== address) return `${host} (${at})`
  return host ?? at ?? 'an address'
}
