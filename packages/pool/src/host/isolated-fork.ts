// forkIsolated() and spawnIsolated(): node:child_process's calls, with the child started in fresh
// namespaces, the way core's chooseWay() finds here: inside core's isolation window where the
// process may make them (libuv forks from the calling thread, which is in the fresh namespaces just
// then), else through a user namespace of the child's own.
import type { ChildProcess, ForkOptions, SpawnOptions } from 'node:child_process'
import { announceOnce, chooseWay, createPlan, forkIn, invalidOptions, spawnIn, type IsolationOptions, type IsolationPlan, type LaunchWay } from '@isolane/core/internal'
import { cannotIsolate, POOL_OPTIONS } from './errors.js'
import { WORKER_ID_ENV } from '../shared/protocol.js'
import { originalFork, originalSpawn } from './builtin-child-process.js'

export interface IsolatedChildOptions {
  /** The fresh namespaces and their setup (default: net, mnt, ipc, uts, with lo up). */
  isolation?: IsolationOptions
  /** Sets ISOLANE_WORKER_ID in the child's environment and `{workerId}` in the hostname template. */
  workerId?: number
}

export type IsolatedForkOptions = ForkOptions & IsolatedChildOptions
export type IsolatedSpawnOptions = SpawnOptions & IsolatedChildOptions

export function forkIsolated(modulePath: string, args?: readonly string[] | IsolatedForkOptions, options?: IsolatedForkOptions): ChildProcess {
  const [argList, allOptions] = splitArgs(args, options)
  const { isolation, workerId, ...forkOptions } = allOptions
  const plan = planFor(isolation, workerId)
  return forkIn(plan, wayFor(plan), modulePath, argList, isolatedForkOptions(forkOptions, workerId), { fork: originalFork })
}

export function spawnIsolated(command: string, args?: readonly string[] | IsolatedSpawnOptions, options?: IsolatedSpawnOptions): ChildProcess {
  const [argList, allOptions] = splitArgs(args, options)
  const { isolation, workerId, ...spawnOptions } = allOptions
  const plan = planFor(isolation, workerId)
  return spawnIn(plan, wayFor(plan), command, argList, { ...spawnOptions, env: workerEnv(spawnOptions.env, workerId) }, { spawn: originalSpawn })
}

/** The way this machine makes the plan's namespaces; throws, before any child starts, where none does. */
function wayFor(plan: IsolationPlan): LaunchWay {
  const verdict = chooseWay(plan)
  if (!verdict.ok) throw cannotIsolate(plan.kinds, verdict.error)
  if (verdict.notice) announceOnce(verdict.notice)
  return verdict.way
}

/** Validates the isolation for one child: throws before any syscall. */
export function planFor(isolation: IsolationOptions | undefined, workerId: number | undefined): IsolationPlan {
  if (workerId !== undefined && (!Number.isSafeInteger(workerId) || workerId < 0))
    throw invalidOptions(`\`workerId\` must be a non-negative integer, got ${String(workerId)}`, 'pass a number such as 1, or leave it out', POOL_OPTIONS)
  return createPlan(isolation ?? {}, { workerId })
}

/** The options of a Node child in fresh namespaces: its worker id in the environment. */
export function isolatedForkOptions(options: ForkOptions, workerId: number | undefined): ForkOptions {
  return { ...options, env: workerEnv(options.env, workerId) }
}

export function workerEnv(env: NodeJS.ProcessEnv | undefined, workerId: number | undefined): NodeJS.ProcessEnv | undefined {
  if (workerId === undefined) return env
  return { ...(env ?? process.env), [WORKER_ID_ENV]: String(workerId) }
}

function splitArgs<T extends object>(args: readonly string[] | T | undefined, options: T | undefined): [string[], T] {
  if (args === undefined || args === null) return [[], options ?? ({} as T)]
  if (isStringList(args)) return [[...args], options ?? ({} as T)]
  return [[], args as T]
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value)
}
