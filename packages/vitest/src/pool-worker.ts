// One Vitest worker process, forked into fresh namespaces the way the pool chose (core's forkIn()):
// Vitest's public custom-pool worker interface (`PoolWorker` of vitest/node), implemented as the
// stock forks worker behaves. Loads Vitest's `<distPath>/workers/forks.js`, as the forks pool does.
import type { ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import type { Writable } from 'node:stream'
import { chooseWay, createPlan, entryPath, forkIn, hostnameOf, IsolaneError, namespaceId, namespaceIds, notSendable, type IsolationOptions, type IsolationPlan, type LaunchWay, type LeftoversMode } from '@isolane/core'
import type { PoolOptions, PoolWorker, WorkerRequest } from 'vitest/node'
import { cannotIsolateMessage, fileOptionsMessage, functionPluginWithoutIsolateMessage, notIsolatedBug, POOL_NAME } from './_messages.js'
import { isAgentReply, type AgentRequest } from './agent-protocol.js'
import { isFileRequest, runFiles, type BetweenFiles } from './between-files.js'
import { HANDOFF_VARIABLE, type WorkerHandoff } from './handoff.js'
import { fileOptionsOf, mergeFileOptions } from './options.js'
import { bindsToKeep } from './worker-paths.js'

/** As Vitest's own workers: SIGTERM first, SIGKILL if the worker is still there after this. */
const SIGKILL_TIMEOUT_MS = 500

/** Preloaded into every worker after core's setup: renews it between files, stops what a file left (worker/agent.cts). */
const AGENT = entryPath(import.meta.url, './worker/agent.cjs')

/** What the pool does between files, beyond Vitest's own options. */
export interface BetweenFilesOptions {
  readonly leftovers: LeftoversMode
}

interface Waiter {
  match: (message: unknown) => boolean
  resolve: (message: any) => void
  reject: (error: Error) => void
}

export class IsolanePoolWorker implements PoolWorker {
  // Vitest reuses a runner (isolate: false) only for a task whose pool name equals the worker's.
  readonly name = POOL_NAME
  // Like forks workers, it reads transformed modules from Vitest's cache on disk (kept visible under a private /tmp).
  readonly cacheFs = true
  readonly #entrypoint: string
  readonly #execArgv: string[]
  readonly #env: Partial<NodeJS.ProcessEnv>
  readonly #stdout: Writable
  readonly #stderr: Writable
  readonly #plan: IsolationPlan
  readonly #way: LaunchWay
  readonly #workerId: number
  readonly #betweenFiles: BetweenFiles
  #child: ChildProcess | undefined
  /** Vitest's listeners for the worker's messages: the agent's answers, and what runFiles() waits for, never reach them. */
  readonly #listeners = new Set<(message: unknown) => void>()
  #waiters: Waiter[] = []

  /** Throws on a file's bad options: Vitest then fails that file, and no worker is forked. */
  constructor(options: PoolOptions, poolIsolation: IsolationOptions, workerId: number, { leftovers }: BetweenFilesOptions = { leftovers: 'stop' }) {
    this.#entrypoint = resolve(options.distPath, 'workers/forks.js')
    this.#execArgv = ['--require', AGENT, ...options.execArgv]
    this.#env = options.env
    this.#stdout = options.project.vitest.logger.outputStream
    this.#stderr = options.project.vitest.logger.errorStream
    this.#workerId = workerId
    this.#plan = planFor(options, poolIsolation, workerId)
    // Decided once a run for the pool's own kinds (config load); a file that asks for other kinds is checked here.
    const verdict = chooseWay(this.#plan)
    if (!verdict.ok) throw new IsolaneError(verdict.error.code, cannotIsolateMessage(this.#plan.kinds, verdict.error.message), { hint: verdict.error.hint, cause: verdict.error })
    this.#way = verdict.way
    // isolate: false reuses the worker for many files: it is renewed between them, in the worker itself.
    const renew = options.project.config.isolate === false && this.#way !== 'none'
    const refusal = renew ? notSendable(this.#plan) : undefined
    if (refusal) throw new IsolaneError('ISOLANE_INVALID_OPTIONS', functionPluginWithoutIsolateMessage(refusal.message), { cause: refusal })
    const { project } = options
    this.#betweenFiles = {
      renew,
      leftovers,
      root: project.config.root,
      warn: (line) => this.#stderr.write(`${line}\n`),
      // Not in Vitest's types, but what its own pool reads to skip the files of a cancelled run.
      isCancelling: () => (project.vitest as { isCancelling?: boolean }).isCancelling === true,
      cancelFiles: (files) => project.vitest.state.cancelFiles(files, project),
    }
  }

  on(event: string, callback: (arg: any) => void): void {
    if (event === 'message') this.#listeners.add(callback)
    else this.#process().on(event, callback)
  }

  off(event: string, callback: (arg: any) => void): void {
    if (event === 'message') this.#listeners.delete(callback)
    else this.#process().off(event, callback)
  }

  send(message: WorkerRequest): void {
    if (isFileRequest(message)) {
      // Vitest's listeners get the one answer it waits for, once every file of the request is done.
      runFiles(message, this.#channel(), this.#betweenFiles).then(
        (finished) => this.#dispatch(finished),
        () => undefined, // the worker exited: Vitest hears of it through 'exit'
      )
      return
    }
    this.#process().send(message)
  }

  deserialize(data: unknown): unknown {
    return data
  }

  async start(): Promise<void> {
    if (this.#child) return
    const plan = this.#plan
    const kinds = this.#way === 'none' ? [] : plan.kinds
    const handoff: WorkerHandoff = { pool: 'isolane', kinds, hostname: hostnameOf(plan), workerId: this.#workerId, parentPid: process.pid, parentNamespaces: namespaceIds('self'), way: this.#way }
    // `env` is one object for all of a project's workers: copy, never mutate.
    const env = { ...this.#env, [HANDOFF_VARIABLE]: JSON.stringify(handoff) } as NodeJS.ProcessEnv
    const child = forkIn(plan, this.#way, this.#entrypoint, [], { env, execArgv: this.#execArgv, stdio: 'pipe', serialization: 'advanced' }, { renewable: this.#betweenFiles.renew })
    this.#child = child
    child.on('message', (message: unknown) => this.#receive(message))
    child.once('exit', () => {
      const waiters = this.#waiters
      this.#waiters = []
      for (const waiter of waiters) waiter.reject(new Error('the worker exited'))
    })
    child.stdout?.pipe(this.#stdout, { end: false })
    child.stderr?.pipe(this.#stderr, { end: false })
    // No pid: the fork itself failed, and the child emits 'error', which Vitest reports as for forks.
    // A child started privileged is in its namespaces from the fork on; one started through a user
    // namespace gets there on its own, and the environment checks it from inside.
    if (child.pid === undefined || this.#way !== 'privileged') return
    for (const kind of kinds) if (namespaceId(child.pid, kind) === namespaceId('self', kind)) throw new Error(notIsolatedBug(kind, child.pid))
  }

  async stop(): Promise<void> {
    const child = this.#child
    // A worker whose start failed has no process.
    if (!child) return
    const exited = new Promise<void>((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done())))
    const kill = setTimeout(() => child.kill('SIGKILL'), SIGKILL_TIMEOUT_MS)
    child.kill()
    await exited
    clearTimeout(kill)
    child.stdout?.unpipe(this.#stdout)
    child.stderr?.unpipe(this.#stderr)
    this.#child = undefined
  }

  #receive(message: unknown): void {
    const index = this.#waiters.findIndex((waiter) => waiter.match(message))
    if (index !== -1) return this.#waiters.splice(index, 1)[0]!.resolve(message)
    // An agent's answer no one waits for any more is not Vitest's either.
    if (isAgentReply(message)) return
    this.#dispatch(message)
  }

  #dispatch(message: unknown): void {
    for (const listener of [...this.#listeners]) listener(message)
  }

  #channel() {
    return {
      send: (message: WorkerRequest | AgentRequest) => this.#process().send(message),
      next: <T>(match: (message: unknown) => message is T) => new Promise<T>((resolve, reject) => this.#waiters.push({ match, resolve, reject })),
    }
  }

  #process(): ChildProcess {
    if (!this.#child) throw new Error('isolane pool: the worker process was torn down or never started. This is a bug in isolane: please report it with your Vitest version.')
    return this.#child
  }
}

/** The plan for one worker: the pool's options, the file's choices, Vitest's paths kept. */
function planFor({ environment, project, distPath }: PoolOptions, poolIsolation: IsolationOptions, workerId: number): IsolationPlan {
  let options: IsolationOptions
  let plan: IsolationPlan
  try {
    options = mergeFileOptions(poolIsolation, fileOptionsOf(environment, project.config.environmentOptions as Record<string, unknown> | undefined))
    plan = createPlan(options, { workerId })
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    throw new Error(fileOptionsMessage(`a worker of project "${project.name || project.config.root}" (environment ${JSON.stringify(environment)})`, detail), { cause: error })
  }
  const tmpfs = plan.steps.flatMap((step) => (step.op === 'tmpfs' ? [step.path] : []))
  if (tmpfs.length === 0) return plan
  const keep = bindsToKeep(tmpfs, { moduleCache: project.tmpDir, others: [project.config.root, distPath, process.cwd()] })
  if (keep.length === 0) return plan
  return createPlan({ ...options, binds: [...(options.binds ?? []), ...keep] }, { workerId })
}
