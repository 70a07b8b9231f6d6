// In-child code of the user-namespace way (the host side is launch.ts): the plan travels in the
// environment, and the child's preload (entry/child-setup.cts) runs its steps on the main thread
// before any other code, while the capabilities its user namespace grants are still there, then
// leaves it the capabilities its user has outside: a normal user's none (root keeps root's, within
// the user namespace). Only the main thread and the threads it makes later are stripped; V8's
// platform threads, already started, keep theirs but never run the user's code or libuv's work.
import { internalError, IsolaneError, isIsolaneError, serializeError, type SerializedIsolaneError } from './errors.js'
import type { NamespaceKind } from './kinds.js'
import { koffiAddonPath, useKoffiAddon } from './libc/declarations.js'
import { clearAmbientCapabilities, dropCapabilities, execCommand, getCapabilities, inheritAsPlainFd, setCapabilities } from './libc/syscalls.js'
import { RENEWAL_ENV } from './renewal.js'
import { hostnameOf } from './plan-queries.js'
import type { IsolationPlan, SetupStep, StepContext } from './plan-types.js'
import { runSteps } from './steps/index.js'

/** The variable that carries the plan into the child; removed there before any other code runs. */
export const CHILD_SETUP_ENV = 'ISOLANE_CHILD_SETUP'

/** The part of a plan a child needs: plain data (module plugins travel as paths). */
export interface ChildSetup {
  readonly kinds: readonly NamespaceKind[]
  readonly steps: readonly SetupStep[]
  readonly workerId: number | undefined
  /** koffi's native addon as the parent loaded it, for the child to load directly (libc/declarations.ts). */
  readonly koffiAddon?: string | undefined
  /** Where a failed setup says why: 'ipc' to a parent that listens for it (a pool), else stderr. */
  readonly failures?: SetupFailureChannel
}

/** 'ipc': a SetupFailedMessage on the child's IPC channel, which the parent turns into its own report; 'stderr': a line for a person. */
export type SetupFailureChannel = 'ipc' | 'stderr'

/** The key of the message a child sends its parent when its setup failed and the parent asked for 'ipc'. */
export const SETUP_FAILED_KEY = '__isolane_setup_failed__'

export interface SetupFailedMessage {
  readonly [SETUP_FAILED_KEY]: SerializedIsolaneError
}

export function isSetupFailedMessage(message: unknown): message is SetupFailedMessage {
  return typeof message === 'object' && message !== null && SETUP_FAILED_KEY in message
}

/** Why `plan` cannot be sent to a child (a function plugin), or undefined when it can. */
export function notSendable(plan: Pick<IsolationPlan, 'steps'>): IsolaneError | undefined {
  const step = plan.steps.find((s) => s.op === 'plugin' && s.module === undefined)
  if (step?.op !== 'plugin') return undefined
  return new IsolaneError(
    'ISOLANE_PLUGIN_NOT_SENDABLE',
    `Isolation plugin "${step.name}" is a function, and a worker started in a user namespace of its own runs its setup itself, in another process, where a function cannot be sent. To fix: give the plugin as a module, \`{ name: "${step.name}", module: "/abs/path/plugin.js" }\` exporting \`setup(context)\`, or run privileged (as root).`,
    { hint: 'give the plugin as { name, module }' },
  )
}

/** The setup a child runs: every step the user-namespace way, only the child-side ones the privileged way. */
export function childSetupOf(plan: IsolationPlan, only?: ReadonlySet<SetupStep['op']>, failures: SetupFailureChannel = 'stderr'): string {
  const steps = only ? plan.steps.filter((step) => only.has(step.op)) : plan.steps
  const setup: ChildSetup = { kinds: plan.kinds, steps, workerId: plan.workerId, koffiAddon: koffiAddonPath(), failures }
  return JSON.stringify(setup)
}

/** Runs the plan the parent sent, if any, then drops the capabilities. Throws what a step threw. */
export function setUpThisProcess(env: NodeJS.ProcessEnv = process.env): void {
  const raw = env[CHILD_SETUP_ENV]
  if (raw === undefined) return
  // The worker's own children must not run it again.
  delete env[CHILD_SETUP_ENV]
  const setup = JSON.parse(raw) as ChildSetup
  useKoffiAddon(setup.koffiAddon)
  failureChannel = setup.failures ?? 'stderr'
  const plan: IsolationPlan = { ...setup, plugins: [], way: 'user-namespace', fallback: 'refuse' }
  const context: StepContext = Object.freeze({ workerId: setup.workerId, kinds: setup.kinds, hostname: hostnameOf(plan) })
  if (process.pid === 1) stopOnSignalsAsOutside()
  try {
    runSteps(plan, context, 'child')
  } finally {
    // The uid is the user's own (--map-current-user): 0 only for root. A worker renewed between
    // files keeps its capabilities permitted, to raise them for the renewal alone (renewal.ts);
    // none is effective, so the user's code meets the permission checks the user meets.
    if (process.getuid?.() !== 0) {
      if (env[RENEWAL_ENV] === undefined) dropCapabilities()
      else lowerCapabilities()
    }
  }
}

/** The signals that end a process by default, with the status a shell reports for each. */
const ENDING_SIGNALS = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const

/**
 * PID 1 of a PID namespace is spared every signal it has no handler for (pid_namespaces(7)): a
 * worker there would ignore SIGTERM and SIGINT. Each gets a handler that ends the process as the
 * signal would (status 128 + its number) unless the code adds a handler of its own.
 */
function stopOnSignalsAsOutside(): void {
  for (const [signal, status] of Object.entries(ENDING_SIGNALS)) {
    process.on(signal, () => {
      if (process.listenerCount(signal) === 1) process.exit(status)
    })
  }
}

let failureChannel: SetupFailureChannel = 'stderr'

/**
 * Says why this child's setup failed, where its parent asked (the child then exits with
 * SETUP_FAILED_STATUS): to a pool, on the IPC channel, as an error it reports once for the files
 * that worker had; else on stderr. A small message on a pipe is written at once, before the exit.
 */
export function reportSetupFailure(error: unknown): void {
  if (failureChannel === 'ipc' && process.send && process.connected) {
    const failure = isIsolaneError(error) ? error : new IsolaneError('ISOLANE_STEP_FAILED', error instanceof Error ? error.message : String(error), { cause: error })
    const message: SetupFailedMessage = { [SETUP_FAILED_KEY]: serializeError(failure) }
    process.send(message)
    return
  }
  process.stderr.write(setupFailureMessage(error))
}

/** What the preload prints when a step failed and no parent listens: the child then exits with SETUP_FAILED_STATUS. */
export function setupFailureMessage(error: unknown): string {
  const message = isIsolaneError(error) || error instanceof Error ? error.message : String(error)
  return `isolane: the isolation setup of this worker (started in a user namespace of its own) failed before any of its code ran: ${message}\n`
}

/** 125, as `isolane run` and env(1) use it: the tool failed, not the command. */
export const SETUP_FAILED_STATUS = 125

/** Replaces this process with `command` (entry/exec.cts): stdio passed on as plain descriptors. */
export function execInPlace([command, ...args]: readonly string[]): never {
  if (command === undefined) throw internalError('isolane: no command to run')
  for (const fd of [0, 1, 2]) inheritAsPlainFd(fd)
  return execCommand(command, args)
}

/** No capability effective (nor ambient, for programs it runs); the permitted ones kept. */
function lowerCapabilities(): void {
  clearAmbientCapabilities()
  setCapabilities({ effective: [0, 0], permitted: getCapabilities().permitted })
}
