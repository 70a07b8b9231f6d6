// Starting a child in a plan's namespaces, whichever way chooseWay() picked:
// - privileged: the fork happens inside the parent's isolation window (window.ts);
// - user-namespace: the child is started through the launcher (user-namespace.ts), and its
//   preload (entry/child-setup.cts) runs the plan's steps; a command that is not Node gets a Node
//   in front of it that runs them and then execs it (entry/exec.cts);
// - none (fallback): the child starts as it would without isolane.
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { constants } from 'node:os'
import type { ChildProcess, ForkOptions, SpawnOptions } from 'node:child_process'
import { CHILD_SETUP_ENV, childSetupOf, notSendable, type SetupFailureChannel } from './child-setup.js'
import { HOLD_FD_ENV } from './kept.js'
import { RENEWAL_ENV } from './renewal.js'
import { entryPath } from './entry-path.js'
import { IsolaneError } from './errors.js'
import { withOwnFilesVisible } from './plan.js'
import { CHILD_SIDE_STEPS, needsChildSetup } from './plan-queries.js'
import type { IsolationPlan, IsolationWay } from './plan-types.js'
import { findLauncher, launcherArgs } from './user-namespace.js'
import { withIsolation } from './window.js'

export type LaunchWay = IsolationWay | 'none'

const builtins: typeof import('node:child_process') = createRequire(import.meta.url)('node:child_process')
const plainFork = builtins.fork
const plainSpawn = builtins.spawn

/** The preload that sets a child up in its user namespace, and the script that execs a command. */
export const CHILD_SETUP_ENTRY = entryPath(import.meta.url, './entry/child-setup.cjs')
const EXEC_ENTRY = entryPath(import.meta.url, './entry/exec.cjs')

export interface ForkInOptions {
  /** The function that forks (default: node:child_process's). */
  fork?: typeof plainFork
  /** The worker will renew its isolation between files (renewal.ts): it is handed its plan. */
  renewable?: boolean
  /**
   * Where the child's setup says why it failed: 'ipc', for a parent that listens on the child's
   * IPC channel for a SetupFailedMessage (the pools); default 'stderr'.
   */
  setupFailures?: SetupFailureChannel
}

/** `fork()` of a Node module into the plan's namespaces. */
export function forkIn(givenPlan: IsolationPlan, way: LaunchWay, modulePath: string, args: readonly string[], options: ForkOptions = {}, { fork = plainFork, renewable = false, setupFailures = 'stderr' }: ForkInOptions = {}): ChildProcess {
  const plan = withOwnFilesVisible(givenPlan)
  // Node's fork() would give the parent's own, --input-type and all (inheritedExecArgv()).
  const nodeFlags = options.execArgv ?? inheritedExecArgv()
  options = { ...options, execArgv: nodeFlags }
  if (renewable && way !== 'none') options = { ...options, env: { ...(options.env ?? process.env), [RENEWAL_ENV]: renewalOf(plan) } }
  switch (way) {
    case 'none':
      return fork(modulePath, [...args], options)
    case 'privileged':
      if (needsChildSetup(plan)) {
        // Its /proc is the child's own to mount, and PID 1's signals its own to handle: the preload does both.
        const execArgv = ['--require', CHILD_SETUP_ENTRY, ...nodeFlags]
        options = { ...options, execArgv, env: withSetup(plan, options.env, 'child-side', setupFailures) }
      }
      return startInWindow(plan, () => fork(modulePath, [...args], options))
    case 'user-namespace': {
      const node = [options.execPath ?? process.execPath, '--require', CHILD_SETUP_ENTRY, ...nodeFlags]
      const launched = { ...options, execPath: launcher(), execArgv: [...launcherArgs(plan.kinds), '--', ...node], env: withSetup(plan, options.env, 'all', setupFailures) }
      return forwardSignals(plan, fork(modulePath, [...args], launched))
    }
  }
}

export interface SpawnInExtras {
  /** The function that spawns (default: node:child_process's). */
  spawn?: typeof plainSpawn
  /**
   * Start a process that holds the child's namespaces after it exits (kept.ts), before the command
   * runs: its pid is written on the child's fd 3 (stdio[3] must be a pipe), which is then closed.
   */
  hold?: boolean
}

/** `spawn()` of any command into the plan's namespaces. */
export function spawnIn(givenPlan: IsolationPlan, way: LaunchWay, command: string, args: readonly string[], options: SpawnOptions = {}, { spawn = plainSpawn, hold = false }: SpawnInExtras = {}): ChildProcess {
  // Isolane's own files matter only where a Node of isolane's runs in the child, in front of the command.
  const ownNodeInFront = way === 'user-namespace' || (way === 'privileged' && (needsChildSetup(givenPlan) || hold))
  const plan = ownNodeInFront ? withOwnFilesVisible(givenPlan) : givenPlan
  if (hold) options = { ...options, env: { ...(options.env ?? process.env), [HOLD_FD_ENV]: '3' } }
  switch (way) {
    case 'none':
      return spawn(command, [...args], options)
    case 'privileged':
      if (ownNodeInFront) {
        // A Node in front of the command takes the child's own steps, then execs it (entry/exec.cts).
        const { shell, ...rest } = options
        return endingSignalsAsOutside(plan, startInWindow(plan, () => spawn(process.execPath, ['--require', CHILD_SETUP_ENTRY, EXEC_ENTRY, ...commandLine(command, args, shell)], { ...rest, env: withSetup(plan, options.env, 'child-side') })))
      }
      return startInWindow(plan, () => spawn(command, [...args], options))
    case 'user-namespace': {
      const { shell, ...rest } = options
      const launchedArgs = [...launcherArgs(plan.kinds), '--', process.execPath, '--require', CHILD_SETUP_ENTRY, EXEC_ENTRY, ...commandLine(command, args, shell)]
      return endingSignalsAsOutside(plan, forwardSignals(plan, spawn(launcher(), launchedArgs, { ...rest, env: withSetup(plan, options.env) })))
    }
  }
}

/** Signals whose default action ends a process (signal(7): Term and Core). */
const ENDING_SIGNALS: ReadonlySet<string> = new Set(['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGPIPE'])
const signalNumbers = constants.signals as Record<string, number>
/** The signal each child was asked to take and was sent SIGKILL for instead (endingSignalsAsOutside). */
const stoodIn = new WeakMap<ChildProcess, NodeJS.Signals>()

/**
 * PID 1 of a PID namespace gets only the signals it has a handler for, from an ancestor namespace
 * too; SIGKILL always arrives (pid_namespaces(7)). A command that keeps the default actions (sleep,
 * a shell script, most programs) would then shrug off SIGTERM and SIGINT, and a caller waiting for
 * it (`isolane run --pid`, Ctrl-C) would wait forever. So a signal that would end it outside, sent
 * while it has no handler for it (SigCgt in /proc/PID/status, proc(5)), is sent as SIGKILL: it ends
 * as it would outside; askedSignal() then tells which signal it stood in for. A command with a
 * handler gets the signal itself. Node children need none of it: their preload handles the signals.
 */
function endingSignalsAsOutside(plan: IsolationPlan, child: ChildProcess): ChildProcess {
  if (!plan.kinds.includes('pid')) return child
  const kill = child.kill.bind(child)
  child.kill = (signal: NodeJS.Signals | number = 'SIGTERM') => {
    const name = typeof signal === 'number' ? (Object.keys(signalNumbers).find((key) => signalNumbers[key] === signal) as NodeJS.Signals | undefined) : signal
    const running = child.exitCode === null && child.signalCode === null && child.pid !== undefined
    if (name === undefined || !ENDING_SIGNALS.has(name) || !running || handles(child.pid!, name)) return kill(signal)
    stoodIn.set(child, name)
    return kill('SIGKILL')
  }
  return child
}

/** Whether the process has a handler for the signal; true where that cannot be read (then it is sent as asked). */
function handles(pid: number, signal: NodeJS.Signals): boolean {
  try {
    const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return caught === undefined || ((BigInt(`0x${caught}`) >> BigInt(signalNumbers[signal]! - 1)) & 1n) === 1n
  } catch {
    return true
  }
}

/**
 * The signal a child of spawnIn() with a PID namespace was asked to take and was sent SIGKILL for
 * instead, as PID 1 without a handler for it: the signal that, outside, would have ended it.
 */
export function askedSignal(child: ChildProcess): NodeJS.Signals | undefined {
  return stoodIn.get(child)
}

/** The command and its arguments as exec runs them; with `shell`, through the shell, as spawn() would. */
function commandLine(command: string, args: readonly string[], shell: SpawnOptions['shell']): string[] {
  return shell ? [typeof shell === 'string' ? shell : '/bin/sh', '-c', [command, ...args].join(' ')] : [command, ...args]
}

/** Starts the child inside the window; if the window fails after the fork (its restore), the child is stopped. */
export function startInWindow(plan: IsolationPlan, start: () => ChildProcess): ChildProcess {
  let child: ChildProcess | undefined
  try {
    return withIsolation(plan, () => (child = start()))
  } catch (error) {
    child?.kill('SIGKILL')
    throw error
  }
}

/**
 * What fork() gives a child when no `execArgv` is passed: the parent's, without `-e CODE` (or
 * `-p CODE`), as Node's own fork() does, or every child of `node -e` would run that code again;
 * and without `--input-type`, which Node refuses for anything but such code (a child runs a file).
 */
export function inheritedExecArgv(): string[] {
  const execArgv = [...process.execArgv]
  const code = (process as { _eval?: string })._eval
  if (code !== undefined) {
    const index = execArgv.lastIndexOf(code)
    if (index > 0) execArgv.splice(index - 1, 2)
  }
  const kept: string[] = []
  for (let index = 0; index < execArgv.length; index++) {
    const flag = execArgv[index]!
    if (flag === '--input-type') index++
    else if (!flag.startsWith('--input-type=')) kept.push(flag)
  }
  return kept
}

function launcher(): string {
  const path = findLauncher()
  if (path === undefined)
    throw new IsolaneError('ISOLANE_LAUNCHER_MISSING', 'util-linux `unshare` is not on PATH, and the user-namespace way starts every worker through it. To fix: install util-linux, or run as root.', { hint: 'install util-linux' })
  return path
}

/** What a renewal runs again: the plan as data, so function plugins cannot come along. */
function renewalOf(plan: IsolationPlan): string {
  const refusal = notSendable(plan)
  if (refusal) throw refusal
  return childSetupOf(plan)
}

/**
 * `env` with the setup the child's preload runs: every step (the user-namespace way, which must
 * send every plugin as data), or only the child-side ones (the privileged way; the rest ran in the window).
 */
function withSetup(plan: IsolationPlan, env: NodeJS.ProcessEnv | undefined, steps: 'all' | 'child-side' = 'all', failures: SetupFailureChannel = 'stderr'): NodeJS.ProcessEnv {
  if (steps === 'child-side') return { ...(env ?? process.env), [CHILD_SETUP_ENV]: childSetupOf(plan, CHILD_SIDE_STEPS, failures) }
  const refusal = notSendable(plan)
  if (refusal) throw refusal
  return { ...(env ?? process.env), [CHILD_SETUP_ENV]: childSetupOf(plan, undefined, failures) }
}

/**
 * With a PID namespace the launcher forks (`--fork`) and waits, blocking SIGTERM and SIGINT: the
 * process that matters is its child, PID 1 of the new namespace (whose host pid this user may
 * signal). The ChildProcess then names that one as its `pid`, and sends it every signal but
 * SIGKILL, which goes to the launcher, whose `--kill-child` then kills the rest.
 */
function forwardSignals(plan: IsolationPlan, child: ChildProcess): ChildProcess {
  if (!plan.kinds.includes('pid') || child.pid === undefined) return child
  const launcherPid = child.pid
  let inner: number | undefined
  const launched = () => (inner ??= launchedPid(launcherPid))
  Object.defineProperty(child, 'pid', { configurable: true, enumerable: true, get: () => launched() ?? launcherPid })
  const kill = child.kill.bind(child)
  child.kill = (signal: NodeJS.Signals | number = 'SIGTERM') => {
    const target = signal === 'SIGKILL' || signal === 9 ? undefined : launched()
    if (target === undefined || child.exitCode !== null || child.signalCode !== null) return kill(signal)
    try {
      process.kill(target, signal)
      return true
    } catch {
      return kill(signal)
    }
  }
  return child
}

function launchedPid(launcherPid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${launcherPid}/task/${launcherPid}/children`, 'utf8').trim().split(' ')[0]
    return first ? Number(first) : undefined
  } catch {
    return undefined
  }
}
