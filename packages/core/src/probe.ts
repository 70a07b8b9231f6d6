// What this machine allows, kind by kind. Never throws: tests, the CLI and the adapters ask it
// before they try, and a refusal is an answer, not an error.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads'

import { entryPath } from './entry-path.js'
import type { ErrorCode } from './errors.js'
import { ALL_KINDS, type NamespaceKind } from './kinds.js'
import { isLinux } from './platform.js'
import type { KindProbe, ProbeAnswer, ProbeThreadData, ProbeThreadMessage } from './probe-answer.js'

export type { KindProbe } from './probe-answer.js'

export interface ProbeResult {
  readonly platform: NodeJS.Platform
  readonly linux: boolean
  readonly kernel: string | undefined
  readonly root: boolean
  /** CAP_SYS_ADMIN in the effective set: what unshare() of every kind but user needs. */
  readonly capSysAdmin: boolean
  readonly kinds: Readonly<Record<NamespaceKind, KindProbe>>
  /** Whether an unprivileged user may create user namespaces here (the rootless path). */
  readonly unprivilegedUserNamespaces: { readonly allowed: boolean; readonly reason: string }
  /** Whether util-linux `unshare` is there to start Node inside a user namespace. */
  readonly unshareCommand: boolean
}

const CAP_SYS_ADMIN = 21n
// A thread that has not answered by then (a machine under heavy load) is replaced by a child.
const THREAD_TIMEOUT_MS = 10_000
const THREAD_EXIT_WAIT_MS = 2_000
let cached: ProbeResult | undefined

/** Probes once per process (on a short-lived thread, so that no other thread is touched). */
export function probe(options: { fresh?: boolean } = {}): ProbeResult {
  if (cached && !options.fresh) return cached
  cached = isLinux ? probeLinux() : notLinux()
  return cached
}

export type IsolationVerdict =
  | { ok: true }
  /** `reason`: why not and what to do; `why`: why not alone, for a message that gives its own fix. */
  | { ok: false; kind: NamespaceKind; code: ErrorCode; reason: string; why: string }

/** Whether every kind in `kinds` is usable; the reason of the first that is not. */
export function canIsolate(kinds: readonly NamespaceKind[], result: ProbeResult = probe()): IsolationVerdict {
  for (const kind of kinds) {
    const k = result.kinds[kind]
    if (!k.usable) return refusedVerdict(k)
  }
  return { ok: true }
}

/** The verdict for a kind found unusable. */
export function refusedVerdict(k: KindProbe): IsolationVerdict {
  const reason = k.reason ?? 'unknown'
  return { ok: false, kind: k.kind, code: k.code ?? 'ISOLANE_INTERNAL', reason, why: k.why ?? reason }
}

function probeLinux(): ProbeResult {
  const capSysAdmin = hasCapSysAdmin()
  const kinds = {} as Record<NamespaceKind, KindProbe>
  const measured = probeKinds()
  for (const kind of ALL_KINDS) kinds[kind] = measured[kind] ?? { kind, usable: false, code: 'ISOLANE_PROBE_FAILED', reason: measured.error ?? 'the probe process gave no answer' }
  const unshareCommand = spawnSync('unshare', ['--version'], { stdio: 'ignore' }).status === 0
  return Object.freeze({
    platform: process.platform,
    linux: true,
    kernel: readText('/proc/sys/kernel/osrelease'),
    root: process.getuid?.() === 0,
    capSysAdmin,
    kinds: Object.freeze(kinds),
    unprivilegedUserNamespaces: unprivilegedUserNamespaces(unshareCommand),
    unshareCommand,
  })
}

/** The kinds answered on a worker thread; in a child process if the thread gave no answer. */
function probeKinds(): ProbeAnswer {
  const entry = entryPath(import.meta.url, './entry/probe-kinds.js')
  return probeOnThread(entry) ?? probeInChild(entry)
}

/**
 * Blocks until a short-lived worker thread has tried each kind: about half the cost of a child
 * process, which has to start Node and load koffi. Undefined if the thread gave no answer.
 */
function probeOnThread(entry: string): ProbeAnswer | undefined {
  if (!existsSync(entry)) return undefined
  const done = new Int32Array(new SharedArrayBuffer(4))
  const { port1, port2 } = new MessageChannel()
  const data: ProbeThreadData = { port: port2, done }
  let worker: Worker
  try {
    worker = new Worker(entry, { workerData: data, transferList: [port2], stdout: true, stderr: true })
  } catch {
    return undefined
  }
  worker.unref()
  worker.on('error', () => undefined) // a thread that fails to start: answered by the child instead
  let message: ProbeThreadMessage | undefined
  try {
    Atomics.wait(done, 0, 0, THREAD_TIMEOUT_MS)
    message = receiveMessageOnPort(port1)?.message as ProbeThreadMessage | undefined
  } finally {
    port1.close()
    void worker.terminate()
  }
  // The thread ends on its own once it has answered: wait for it (and the descriptors of its event
  // loop) to be gone, so that probe() returns with the process as it found it.
  const deadline = performance.now() + THREAD_EXIT_WAIT_MS
  while (message && existsSync(message.task) && performance.now() < deadline) Atomics.wait(done, 0, 1, 2)
  return message?.answer
}

function probeInChild(entry: string): ProbeAnswer {
  const child = spawnSync(process.execPath, [entry], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } })
  if (child.error) return { error: `could not start the probe process: ${child.error.message}` }
  try {
    return JSON.parse(child.stdout) as ProbeAnswer
  } catch {
    return { error: `the probe process failed (status ${child.status}): ${child.stderr.trim().split('\n').slice(-3).join(' ')}` }
  }
}

export function hasCapSysAdmin(): boolean {
  const status = readText('/proc/self/status') ?? ''
  const match = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)
  return match?.[1] !== undefined && ((BigInt(`0x${match[1]}`) >> CAP_SYS_ADMIN) & 1n) === 1n
}

function unprivilegedUserNamespaces(unshareCommand: boolean): ProbeResult['unprivilegedUserNamespaces'] {
  const max = readText('/proc/sys/user/max_user_namespaces')
  if (max === '0') return { allowed: false, reason: 'user.max_user_namespaces is 0: set it above 0 (`sysctl -w user.max_user_namespaces=15000`)' }
  if (readText('/proc/sys/kernel/unprivileged_userns_clone') === '0')
    return { allowed: false, reason: 'kernel.unprivileged_userns_clone is 0: set it to 1 (`sysctl -w kernel.unprivileged_userns_clone=1`)' }
  if (readText('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === '1')
    return { allowed: false, reason: 'AppArmor restricts unprivileged user namespaces: set kernel.apparmor_restrict_unprivileged_userns=0 or give node an AppArmor profile that allows userns' }
  if (!unshareCommand) return { allowed: true, reason: 'the kernel allows them (util-linux `unshare` is not installed to try)' }
  return { allowed: true, reason: 'the kernel allows them' }
}

function notLinux(): ProbeResult {
  const kinds = {} as Record<NamespaceKind, KindProbe>
  for (const kind of ALL_KINDS) kinds[kind] = { kind, usable: false, code: 'ISOLANE_NOT_LINUX', reason: `namespaces are a Linux feature and this is ${process.platform}: run on Linux` }
  return Object.freeze({
    platform: process.platform,
    linux: false,
    kernel: undefined,
    root: false,
    capSysAdmin: false,
    kinds: Object.freeze(kinds),
    unprivilegedUserNamespaces: { allowed: false, reason: 'not Linux' },
    unshareCommand: false,
  })
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return undefined
  }
}
