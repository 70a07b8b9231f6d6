// Every failure of the Jest adapter's own that a user can meet is built here: what failed, why,
// what to do. Options and machine refusals are IsolaneErrors (recognise them with
// `isIsolaneError()`); core's and the pool's errors (EPERM, ISOLANE_USERNS_RESTRICTED, ...) are
// wrapped, never restated. A file that could not finish fails with a message on the file, as Jest
// shows any file whose run failed.
import { functionPluginInReusedWorkers as coreFunctionPluginInReusedWorkers, invalidFileOptions as coreInvalidFileOptions, invalidOptions, IsolaneError, isIsolaneError, signalCause, type IsolaneErrorCode, type NamespaceKind } from '@isolane/core/internal'

/** Codes of the Jest adapter's own failures, as core's registry (ERROR_CODES) has them. */
export type JestAdapterErrorCode = Extract<IsolaneErrorCode, 'ISOLANE_INVALID_OPTIONS' | 'ISOLANE_JEST_NOT_FOUND'>

/** How to set the runner's options, said in fixes. */
const WHERE_OPTIONS = "`runner: ['@isolane/jest', { ... }]` in the Jest config"

/** How the runner's invalid options are named, with core's invalidOptions(). */
const RUNNER_OPTIONS = `@isolane/jest: invalid runner options (${WHERE_OPTIONS})`

function adapterError(code: JestAdapterErrorCode, what: string, fix: string, cause?: unknown): IsolaneError {
  return withoutFrames(new IsolaneError(code, `${what}. To fix: ${fix}.`, { hint: fix, cause }))
}

/** Jest prints a refused run's stack: the frames would be the adapter's and Jest's, which say nothing about the config. */
function withoutFrames(error: IsolaneError): IsolaneError {
  error.stack = `${error.name}: ${error.message}`
  return error
}

/** The machine cannot make the namespaces: core's reason (what failed, why, what to do), and the way out. */
export function cannotIsolate(kinds: readonly NamespaceKind[], reason: IsolaneError): IsolaneError {
  const instead = `To run the tests without isolation instead, leave \`runner\` out of the Jest config (Jest's own runner), or set \`fallback: 'none'\` in ${WHERE_OPTIONS} to run them unisolated where isolation is impossible, saying so.`
  return withoutFrames(
    new IsolaneError(reason.code, `@isolane/jest: the test workers cannot get fresh ${kinds.join(', ')} namespaces on this machine, so no test ran. ${reason.message} ${instead}`, { hint: reason.hint, cause: reason }),
  )
}

/** The runner's options are invalid: `what`, and what to write instead. */
function badRunnerOption(what: string, fix: string): IsolaneError {
  return withoutFrames(invalidOptions(what, fix, RUNNER_OPTIONS))
}

/** An option the runner does not take: `isolation` and `run` are the names it does. */
export function unknownRunnerOption(name: string, isolation: string, run: string): IsolaneError {
  return badRunnerOption(`unknown option \`${name}\``, `use only ${isolation}. The runner also takes ${run}`)
}

/** Core refused the isolation options given to the runner: said as the runner's, with core's reason and fix. */
export function refusedRunnerOptions(refusal: unknown): unknown {
  if (!isIsolaneError(refusal) || refusal.code !== 'ISOLANE_INVALID_OPTIONS') return refusal
  return badRunnerOption(refusal.reason ?? refusal.message, refusal.hint ?? `correct the options in ${WHERE_OPTIONS}`)
}

export function notAnObject(value: unknown): IsolaneError {
  return badRunnerOption(`expected an object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`, "write for example `runner: ['@isolane/jest', { hostname: 'w-{workerId}' }]`")
}

export function badReuseWorkers(value: unknown): IsolaneError {
  return badRunnerOption(
    `\`reuseWorkers\` must be true or false, not ${JSON.stringify(value) ?? String(value)}`,
    'write `reuseWorkers: false` for a fresh worker per file, or leave it out to run several files in each worker (as Jest does), renewed between files',
  )
}

export function badLeftovers(value: unknown): IsolaneError {
  return badRunnerOption(`\`leftovers\` must be stop, fail or keep, not ${JSON.stringify(value)}`, 'use stop (the default: stopped, with a warning naming the file), fail (the file fails too) or keep')
}

export function badFileTimeout(value: unknown): IsolaneError {
  return badRunnerOption(`\`fileTimeout\` must be a number of milliseconds, 0 for no limit; got ${JSON.stringify(value)}`, 'give for example `fileTimeout: 60000`, or leave it out')
}

export function badReportNetworkAttempts(value: unknown): IsolaneError {
  return badRunnerOption(`\`reportNetworkAttempts\` must be true or false, not ${JSON.stringify(value) ?? String(value)}`, 'write `reportNetworkAttempts: false` to leave the notes and the list out, or leave it out')
}

export function badKeep(value: unknown): IsolaneError {
  return badRunnerOption(`\`keep\` must be never or on-failure, not ${JSON.stringify(value)}`, "use `keep: 'on-failure'` to keep a failed file's worker for `isolane enter`, or leave it out")
}

export function keepWithPid(): IsolaneError {
  return badRunnerOption(
    "`keep: 'on-failure'` keeps a failed worker's namespaces through a process left in them, and with the pid kind every process of a worker ends with it",
    'leave pid out of `namespaces` while you keep workers, or leave `keep` out',
  )
}

/** Added to the error of a test that tried to reach outside its worker's network, and to the end-of-run list: how to allow it. */
export const NETWORK_HOW_TO_ALLOW =
  'give this file the host\'s network (`@isolane-options {"share": ["net"]}` in its docblock), or make the name resolve to an address the worker can reach with a host entry plugin (`plugins` in the runner options)'

/** How to leave the end-of-run list of network attempts out. */
export const NETWORK_OPT_OUT = `\`reportNetworkAttempts: false\` in ${WHERE_OPTIONS}`

export function functionPluginInReusedWorkers(name: string): IsolaneError {
  return withoutFrames(coreFunctionPluginInReusedWorkers(name, RUNNER_OPTIONS, 'set `reuseWorkers: false` (a Jest config is data: a module is the only form of plugin it can hold)'))
}

/** A test file's `@isolane-options` docblock pragma is not valid: refused before any worker starts. */
export function invalidFileOptions(file: string, cause: unknown): IsolaneError {
  return withoutFrames(
    coreInvalidFileOptions(`@isolane/jest: the isolation options in the docblock of ${file} (\`@isolane-options\`)`, cause, 'correct the JSON after `@isolane-options` in that file\'s docblock, for example `@isolane-options {"hostname": "api-test"}`'),
  )
}

export function fileHidden(file: string, tmpfs: string): IsolaneError {
  return withoutFrames(
    invalidOptions(
      `the test file ${file} is under ${tmpfs}, where every worker gets a fresh, empty tmpfs, so no worker could load it`,
      `move the project out of ${tmpfs}, or show its directory to the workers with \`binds: [{ source: dir, target: dir }]\` in ${WHERE_OPTIONS}, or set \`tmpfs\` without ${tmpfs}`,
      '@isolane/jest',
    ),
  )
}

export function jestRunnerNotFound(rootDir: string): IsolaneError {
  return adapterError(
    'ISOLANE_JEST_NOT_FOUND',
    `@isolane/jest: cannot find Jest's jest-runner from ${rootDir}, nor from @isolane/jest: the workers run each file with the jest-runner of the project's own jest`,
    'install jest in the project (`npm i -D jest`), version 30',
  )
}

/** What ended a worker before its file was done. */
export type WorkerDeath =
  | { readonly kind: 'exit'; readonly pid: number | undefined; readonly code: number }
  | { readonly kind: 'signal'; readonly pid: number | undefined; readonly signal: NodeJS.Signals }
  | { readonly kind: 'timeout'; readonly pid: number | undefined; readonly ms: number }

/** On the file whose worker died: how, the test that was running, and what to look for. */
export function deadWorkerMessage(death: WorkerDeath, running: string | undefined): string {
  const worker = `the isolated worker running this file${death.pid === undefined ? '' : ` (pid ${death.pid})`}`
  const during = running === undefined ? '' : ` while test "${running}" ran`
  switch (death.kind) {
    case 'timeout':
      return (
        `@isolane/jest: this file ran past its time limit of ${death.ms} ms (\`fileTimeout\`)${during}, so ${worker} was killed; the other files run on. ` +
        "Code that never yields (a synchronous loop, a blocking call) keeps Jest's own testTimeout from firing. To fix: find what blocks, or raise `fileTimeout`."
      )
    case 'signal':
      return `@isolane/jest: ${worker} was killed by ${death.signal}${during}, so the file could not finish; the other files run on. ${signalCause(death.signal)}`
    case 'exit':
      return (
        `@isolane/jest: ${worker} exited with status ${death.code}${during}, so the file could not finish; the other files run on. ` +
        'To fix: look for process.exit() in this file or what it calls (Jest prints where it was called, above), or a native module that ends the process.'
      )
  }
}

/** Said after a dead worker's message when its file ran more than once (Jest's retries, runner.ts). */
export function retriedNote(attempts: number, retries: number): string {
  return `It ran ${attempts} times, each in a new worker: as Jest, a file whose worker exits with an error status runs again, up to ${retries} times.`
}

/** The worker for a file could not be set up in its namespaces: core's error names the step, why, and what to do. */
export function setupFailedMessage(cause: unknown): string {
  return `@isolane/jest: none of this file's tests ran: the isolation setup of its worker failed: ${cause instanceof Error ? cause.message : String(cause)}`
}
