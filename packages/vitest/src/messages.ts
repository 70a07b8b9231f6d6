// Every message the Vitest adapter shows is built here, and every error of its own: what failed,
// why, what to do. The errors are IsolaneErrors with codes of core's registry.
import { functionPluginInReusedWorkers, internalError, invalidFileOptions as coreInvalidFileOptions, invalidOptions, IsolaneError, signalCause, type NamespaceKind } from '@isolane/core/internal'

export const POOL_NAME = 'isolane'

export function cannotIsolateMessage(kinds: readonly NamespaceKind[], reason: string): string {
  // `reason` is core's error: what failed, why, and what to do.
  return (
    `isolane pool: the test workers cannot get fresh ${kinds.join(', ')} namespaces on this machine, so no test ran. ${reason} ` +
    "To run the tests without isolation instead, use the stock pool (`pool: 'forks'`), or `isolane({ fallback: 'none' })` to run them unisolated where isolation is impossible, saying so."
  )
}

/** How the pool's and the environment's invalid options are named, with core's invalidOptions(). */
const POOL_OPTIONS = 'isolane pool'
const ENVIRONMENT_OPTIONS = 'isolane environment'

/** The options for `file` (the pool's merged with its environment's) were refused: core's error (`cause`), which names the option. */
export function invalidFileOptions(file: string, cause: unknown): IsolaneError {
  return coreInvalidFileOptions(`isolane: the isolation options for ${file}`, cause)
}

/** The environment, inside a running worker thread, was asked for kinds only a fresh process can enter. */
export function kindsNeedPool(kinds: readonly NamespaceKind[], where: string): IsolaneError {
  return new IsolaneError('ISOLANE_KIND_NEEDS_POOL', environmentCannotMessage(kinds, where), { hint: 'use the isolane pool, or ask the environment for net, uts and ipc only' })
}

function environmentCannotMessage(kinds: readonly NamespaceKind[], where: string): string {
  return (
    `isolane environment: ${kinds.join(', ')} cannot be isolated from inside ${where}. ` +
    'A running worker can only move its own thread into fresh net, uts and ipc namespaces: a mount namespace made there would give the thread ' +
    "its own filesystem context, apart from libuv's threadpool that runs async fs calls, and pid/cgroup only apply to new children. " +
    "To fix: use the isolane pool (`pool: isolane()` from '@isolane/vitest'), which forks every worker into all of them, " +
    'or ask the environment for net, uts and ipc only (`environmentOptions: { isolane: { namespaces: ["net", "uts", "ipc"] } }`).'
  )
}

export function environmentNote(where: string): string {
  return (
    `[isolane] ${where}: this thread gets fresh net, uts and ipc namespaces; /tmp, /dev/shm and the other mounts stay shared with the host. ` +
    "For a private /tmp use the isolane pool (`pool: isolane()`); to silence this note ask for `namespaces: ['net', 'uts', 'ipc']`."
  )
}

export function notIsolated(kind: NamespaceKind, pid: number): IsolaneError {
  return internalError(`isolane pool: the worker ${pid} was forked inside an isolation window but shares the ${kind} namespace of Vitest's process`)
}

/** `reason`: core's refusal, the refused syscall and why (its `reason`, without core's fix). */
export function environmentWithoutPrivilegeMessage(reason: string, where: string): string {
  return (
    `isolane environment: ${where} cannot get fresh namespaces without privilege: ${reason}. ` +
    'The environment moves the thread that runs the test file into fresh namespaces, which needs CAP_SYS_ADMIN; the way isolane works without root, ' +
    'a user namespace of its own for each worker, cannot be entered by a thread of a running Node process (unshare(2): EINVAL in a multi-threaded process). ' +
    "To fix: use the isolane pool (`pool: isolane()` from '@isolane/vitest'), which starts every worker in its own user namespace, as any user; or run as root."
  )
}

/** A function plugin with `isolate: false`, whose reused workers renew their isolation themselves. */
export function functionPluginWithoutIsolate(name: string): IsolaneError {
  return functionPluginInReusedWorkers(name, POOL_OPTIONS, 'leave `isolate` on (the default: a fresh worker per file)')
}

/** What ended a worker before its file was done. */
export type WorkerDeath =
  | { readonly kind: 'setup'; readonly message: string }
  | { readonly kind: 'exit'; readonly pid: number | undefined; readonly code: number }
  | { readonly kind: 'signal'; readonly pid: number | undefined; readonly signal: NodeJS.Signals }
  | { readonly kind: 'timeout'; readonly pid: number | undefined; readonly ms: number }
  /** Ended by the pool after its namespaces were kept (keep: 'on-failure'): never under a file. */
  | { readonly kind: 'retired' }


/** How the death reads on the file, on the test that was running, and on the tests after it. */
export function deathMessages(death: WorkerDeath): { file(running: string | undefined): string; test(running: boolean): string } {
  if (death.kind === 'setup')
    return {
      file: () => `isolane: none of this file's tests ran: ${death.message}`,
      test: () => 'not run: the worker for this file could not be set up (see the file\'s error)',
    }
  if (death.kind === 'retired') return { file: () => 'isolane: the worker ended after its namespaces were kept. This is a bug in isolane: please report it.', test: () => 'not run' }
  const worker = `the worker running this file${death.pid === undefined ? '' : ` (pid ${death.pid})`}`
  const during = (running: string | undefined) => (running === undefined ? '' : ` while test "${running}" ran`)
  switch (death.kind) {
    case 'timeout':
      return {
        file: (running) =>
          `isolane: this file ran past its time limit of ${death.ms} ms (\`fileTimeout\` in isolane({ ... }))${during(running)}, so ${worker} was killed; the other files run on. ` +
          "Code that never yields (a synchronous loop, a blocking call) keeps Vitest's own testTimeout from firing. To fix: find what blocks, or raise `fileTimeout`.",
        test: (running) => (running ? `timed out: the file ran past its limit of ${death.ms} ms while this test ran` : `did not finish: the file ran past its limit of ${death.ms} ms`),
      }
    case 'signal': {
      const why = signalCause(death.signal)
      return {
        file: (running) => `isolane: ${worker} was killed by ${death.signal}${during(running)}, so the file could not finish; the other files run on. ${why}`,
        test: (running) => (running ? `${worker} was killed by ${death.signal} while this test ran` : `did not finish: ${worker} was killed by ${death.signal}`),
      }
    }
    case 'exit':
      return {
        file: (running) =>
          `isolane: ${worker} ended with status ${death.code}${during(running)}, so the file could not finish; the other files run on. ` +
          "Vitest turns process.exit() in a test into an error, so the process ended itself another way: process.reallyExit(), or native code calling exit().",
        test: (running) => (running ? `${worker} ended with status ${death.code} while this test ran` : `did not finish: ${worker} ended with status ${death.code}`),
      }
  }
}

export function badLeftovers(value: unknown): IsolaneError {
  return invalidOptions(`\`leftovers\` must be "stop", "fail" or "keep", got ${JSON.stringify(value)}`, 'use "stop" (the default), "fail" or "keep"', POOL_OPTIONS)
}

export function badFileTimeout(value: unknown): IsolaneError {
  return invalidOptions(`\`fileTimeout\` must be a number of milliseconds greater than 0 (or 0 for no limit), got ${JSON.stringify(value)}`, 'give for example `fileTimeout: 60_000`, or leave it out', POOL_OPTIONS)
}

/** `reportNetworkAttempts` is an option of the pool and, per file, of the environment. */
export function badReportNetworkAttempts(value: unknown, of: 'pool' | 'environment'): IsolaneError {
  return invalidOptions(`\`reportNetworkAttempts\` must be true or false, got ${JSON.stringify(value)}`, 'leave it out (true), or set false', of === 'pool' ? POOL_OPTIONS : ENVIRONMENT_OPTIONS)
}

/** Added to the error of a test that tried to reach outside its worker's network: how to allow it. */
export const NETWORK_HOW_TO_ALLOW =
  'give this file the host\'s network (`// @vitest-environment isolane` and `// @vitest-environment-options {"share": ["net"]}` in its docblock), ' +
  'or make the name resolve to an address the worker can reach with a host entry plugin (isolane({ plugins }))'


export function badKeep(value: unknown): IsolaneError {
  return invalidOptions(`\`keep\` must be "never" or "on-failure", got ${JSON.stringify(value)}`, "use \"on-failure\" to keep a failed file's worker for `isolane enter`, or leave it out", POOL_OPTIONS)
}

export function keepWithPid(): IsolaneError {
  return invalidOptions(
    "`keep: 'on-failure'` keeps a failed worker's namespaces through a process left in them, and with the pid kind every process of a worker ends with it",
    'leave `pid` out of `namespaces` while you keep workers, or leave `keep` out',
    POOL_OPTIONS,
  )
}

/** The Vitest versions the adapter is checked against (test/vitest-versions.test.ts): the peer range. */
export const SUPPORTED_VITEST_RANGE = '^4.1.12 || ^5.0.0'

export function vitestVersionMessage(version: string): string {
  return (
    `isolane pool: this project runs Vitest ${version}, and @isolane/vitest supports Vitest ${SUPPORTED_VITEST_RANGE}: ` +
    "it implements Vitest's pool interface of Vitest 4 and 5 (Vitest 3 has another), and uses some of its internals checked on those versions. " +
    'To fix: install a supported Vitest (`npm install --save-dev vitest@5`, on Node 22 or later; `vitest@4` on Node 20), or use the stock pool.'
  )
}
