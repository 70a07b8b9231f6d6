// One Vitest worker process, forked into fresh namespaces the way the pool chose (core's forkIn()):
// Vitest's public custom-pool worker interface (`PoolWorker` of vitest/node), implemented as the
// stock forks worker behaves. Loads Vitest's `<distPath>/workers/forks.js`, as the forks pool does.
import type { ChildProcess, StdioOptions } from 'node:child_process'
import { basename, relative, resolve } from 'node:path'
import type { Writable } from 'node:stream'
import { chooseWay, createPlan, entryPath, forkIn, hostnameOf, koffiAddonPath, IsolaneError, isSetupFailedMessage, namespaceId, namespaceIds, NoticeFile, NOTICE_FD, recordKept, KEPT_KINDS, SETUP_FAILED_KEY, SETUP_FAILED_STATUS, type KeptWorker, type IsolationOptions, type IsolationPlan, type LaunchWay, type LeftoversMode } from '@isolane/core/internal'
import type { PoolOptions, PoolWorker, TestProject, WorkerRequest } from 'vitest/node'
import { cannotIsolateMessage, deathMessages, NETWORK_HOW_TO_ALLOW, invalidFileOptions, functionPluginWithoutIsolate, notIsolated, POOL_NAME, type WorkerDeath } from './messages.js'
import { isAgentReply, isFileRequest, type TestNetworkAttempt, type TestNotice } from './agent-protocol.js'
import { runFiles, unpromptedAfterFile, type BetweenFiles, type WorkerChannel } from './between-files.js'
import { HANDOFF_VARIABLE, type WorkerHandoff } from './handoff.js'
import { fileOptionsOf, mergeFileOptions } from './options.js'
import { cancelFiles, failUnfinishedFiles, fileFailed, isCancelling, TestsTold } from './vitest-internals.js'
import { bindsToKeep } from './worker-paths.js'

/** As Vitest's own workers: SIGTERM first, SIGKILL if the worker is still there after this. */
const SIGKILL_TIMEOUT_MS = 500

/** Preloaded into every worker after core's setup: renews it between files, stops what a file left (worker/agent.cts). */
const AGENT = entryPath(import.meta.url, './worker/agent.cjs')

/** What the pool does around files, beyond Vitest's own options. */
export interface BetweenFilesOptions {
  readonly leftovers: LeftoversMode
  /** Milliseconds a file may run before its worker is killed (0: no limit). */
  readonly fileTimeout: number
  /** Note what tests try to reach outside the worker's network (needs a net namespace of its own). */
  readonly reportNetworkAttempts: boolean
  /** Told what a file's tests tried to reach outside the worker's network. */
  readonly onNetworkAttempts: (attempts: readonly TestNetworkAttempt[]) => void
  /** 'on-failure': the namespaces of a worker whose file failed are kept, for `isolane enter`. */
  readonly keep: 'never' | 'on-failure'
  /** Told of each worker kept. */
  readonly onKept: (worker: KeptWorker) => void
}

type Response = { readonly __vitest_worker_response__: true; readonly type: string; readonly error?: unknown }

function isResponse(message: unknown, type: string): message is Response {
  const response = message as Partial<Response> | null
  return response?.__vitest_worker_response__ === true && response.type === type
}

function isRequest(message: unknown, type: string): boolean {
  const request = message as { __vitest_worker_request__?: boolean; type?: string } | null
  return request?.__vitest_worker_request__ === true && request.type === type
}

interface Waiter {
  match: (message: unknown) => boolean
  resolve: (message: any) => void
  reject: (error: Error) => void
}

/**
 * A worker that dies under a file (killed, exited, past `fileTimeout`, or its setup failed) is not
 * an error of the run: the pool marks that file and its unfinished tests as failed, naming how the
 * worker died and the test that was running, and answers Vitest for it; the next file gets a fresh
 * worker (its start request replayed), so the run goes on, as with any failed file.
 */
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
  readonly #project: TestProject
  readonly #betweenFiles: BetweenFiles
  readonly #fileTimeout: number
  #child: ChildProcess | undefined
  /** Vitest's listeners for the worker's messages: the agent's answers, and what runFiles() waits for, never reach them. */
  readonly #listeners = new Set<(message: unknown) => void>()
  /** Vitest's listeners for errors of the worker process (a fork that failed), on every process the worker gets. */
  readonly #errorListeners = new Set<(error: Error) => void>()
  #waiters: Waiter[] = []
  /** Where the worker's agent writes what it tells of its tests, read if it dies before Vitest heard. */
  #notices: NoticeFile | undefined
  /** Vitest's start request, sent again to a fresh process after one died. */
  #startRequest: WorkerRequest | undefined
  /** Between the start request and the worker's answer: a worker that dies then is answered for. */
  #starting = false
  /** Why the worker process died, until a fresh one replaces it. */
  #death: WorkerDeath | undefined
  /** What the worker's setup said when it failed (core's preload, on the IPC channel). */
  #setupFailure: string | undefined
  #stopping = false
  /** The worker answered Vitest's stop request. */
  #stopped = false
  #fileTimer: NodeJS.Timeout | undefined
  #timedOut = false
  /** Ended by the pool after its namespaces were kept: replaced for the next file, not a death to report. */
  #retiring = false
  /** Called once #died() has taken in the worker's end. */
  #onDied: (() => void) | undefined

  /** Throws on a file's bad options: Vitest then fails that file, and no worker is forked. */
  constructor(options: PoolOptions, poolIsolation: IsolationOptions, workerId: number, { leftovers, fileTimeout, reportNetworkAttempts, onNetworkAttempts, keep, onKept }: BetweenFilesOptions) {
    this.#entrypoint = resolve(options.distPath, 'workers/forks.js')
    this.#execArgv = ['--require', AGENT, ...options.execArgv]
    this.#env = options.env
    this.#stdout = options.project.vitest.logger.outputStream
    this.#stderr = options.project.vitest.logger.errorStream
    this.#workerId = workerId
    this.#project = options.project
    this.#fileTimeout = fileTimeout
    this.#plan = planFor(options, poolIsolation, workerId)
    // Decided once a run for the pool's own kinds (config load); a file that asks for other kinds is checked here.
    const verdict = chooseWay(this.#plan)
    if (!verdict.ok) throw new IsolaneError(verdict.error.code, cannotIsolateMessage(this.#plan.kinds, verdict.error.message), { hint: verdict.error.hint, cause: verdict.error })
    this.#way = verdict.way
    // isolate: false reuses the worker for many files: it is renewed between them, in the worker itself.
    const renew = options.project.config.isolate === false && this.#way !== 'none'
    const inline = renew ? this.#plan.steps.find((step) => step.op === 'plugin' && step.module === undefined) : undefined
    if (inline?.op === 'plugin') throw functionPluginWithoutIsolate(inline.name)
    const { project } = options
    this.#betweenFiles = {
      renew,
      leftovers,
      root: project.config.root,
      warn: (line) => this.#stderr.write(`${line}\n`),
      isCancelling: () => isCancelling(project),
      cancelFiles: (files) => cancelFiles(project, files),
      networkAttempts: reportNetworkAttempts && this.#way !== 'none' && this.#plan.kinds.includes('net'),
      onNetworkAttempts,
      keep: keep === 'on-failure' && this.#way !== 'none',
      fileFailed: (path) => fileFailed(project, path),
      onKept: (file, holder) => onKept(this.#recordKept(file, holder)),
    }
  }

  on(event: string, callback: (arg: any) => void): void {
    if (event === 'message') this.#listeners.add(callback)
    else if (event === 'error') {
      this.#errorListeners.add(callback)
      this.#child?.on('error', callback)
    }
    // 'exit': a worker that dies under a file is reported as that file's failure, and replaced
    // (#died); Vitest, which would report it as an error of the run, never hears of it.
  }

  off(event: string, callback: (arg: any) => void): void {
    if (event === 'message') this.#listeners.delete(callback)
    else if (event === 'error') {
      this.#errorListeners.delete(callback)
      this.#child?.off('error', callback)
    }
  }

  send(message: WorkerRequest): void {
    if (isFileRequest(message)) {
      // Vitest's listeners get the one answer it waits for, once every file of the request is done.
      runFiles(message, this.#channel(), this.#betweenFiles).then(
        (finished) => this.#dispatch(finished),
        (error: unknown) => this.#dispatch({ __vitest_worker_response__: true, type: 'testfileFinished', error: { name: 'Error', message: String(error instanceof Error ? error.message : error) } }),
      )
      return
    }
    if (isRequest(message, 'start')) {
      this.#startRequest = message
      this.#starting = true
    }
    if (isRequest(message, 'stop')) this.#stopping = true
    if (this.#death) {
      // Vitest goes on as with a live worker: it is told the worker started (its files then fail,
      // saying why) and stopped; what else it sends a dead worker has no one to read it.
      if (isRequest(message, 'start')) {
        this.#starting = false
        this.#dispatch({ __vitest_worker_response__: true, type: 'started' })
      }
      if (isRequest(message, 'stop')) this.#dispatch({ __vitest_worker_response__: true, type: 'stopped' })
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
    // What the last worker wrote was read when it died (its files failed before this one starts).
    this.#notices?.close()
    const notices = (this.#notices = NoticeFile.tryOpen())
    const handoff: WorkerHandoff = { pool: 'isolane', kinds, hostname: hostnameOf(plan), workerId: this.#workerId, parentPid: process.pid, parentNamespaces: namespaceIds('self'), way: this.#way, networkHowToAllow: this.#betweenFiles.networkAttempts ? NETWORK_HOW_TO_ALLOW : undefined, koffiAddon: this.#way === 'none' ? undefined : koffiAddonPath(), noticeFd: notices ? NOTICE_FD : undefined, afterEachFile: unpromptedAfterFile(this.#betweenFiles) }
    // `env` is one object for all of a project's workers: copy, never mutate.
    const env = { ...this.#env, [HANDOFF_VARIABLE]: JSON.stringify(handoff) } as NodeJS.ProcessEnv
    let child: ChildProcess
    try {
      const stdio: StdioOptions = notices ? ['pipe', 'pipe', 'pipe', 'ipc', notices.fd] : ['pipe', 'pipe', 'pipe', 'ipc']
      child = forkIn(plan, this.#way, this.#entrypoint, [], { env, execArgv: this.#execArgv, stdio, serialization: 'advanced' }, { renewable: this.#betweenFiles.renew, setupFailures: 'ipc' })
    } catch (error) {
      // The setup in the pool's own window (privileged way) failed: its files fail, saying so.
      this.#death = { kind: 'setup', message: `the isolation setup of this worker failed before it started: ${error instanceof Error ? error.message : String(error)}` }
      return
    }
    this.#child = child
    this.#death = undefined
    this.#setupFailure = undefined
    this.#timedOut = false
    this.#retiring = false
    child.on('message', (message: unknown) => this.#receive(message))
    // Once its IPC channel is closed too: a message it sent just before it died has been heard.
    child.once('exit', (code, signal) => (child.connected ? child.once('disconnect', () => this.#died(child, code, signal)) : this.#died(child, code, signal)))
    for (const listener of this.#errorListeners) child.on('error', listener)
    child.stdout?.pipe(this.#stdout, { end: false })
    child.stderr?.pipe(this.#stderr, { end: false })
    // No pid: the fork itself failed, and the child emits 'error', which Vitest reports as for forks.
    // A child started privileged is in its namespaces from the fork on; one started through a user
    // namespace gets there on its own, and the environment checks it from inside.
    if (child.pid === undefined || this.#way !== 'privileged') return
    for (const kind of kinds) if (namespaceId(child.pid, kind) === namespaceId('self', kind)) throw notIsolated(kind, child.pid)
  }

  async stop(): Promise<void> {
    this.#stopping = true
    clearTimeout(this.#fileTimer)
    this.#notices?.close()
    this.#notices = undefined
    const child = this.#child
    // A worker whose start failed, or that died, has no process.
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
    if (isSetupFailedMessage(message)) return void (this.#setupFailure = message[SETUP_FAILED_KEY].message)
    if (isResponse(message, 'started')) this.#starting = false
    if (isResponse(message, 'stopped')) this.#stopped = true
    if (isResponse(message, 'testfileFinished')) clearTimeout(this.#fileTimer)
    const index = this.#waiters.findIndex((waiter) => waiter.match(message))
    if (index !== -1) return this.#waiters.splice(index, 1)[0]!.resolve(message)
    // An agent's answer no one waits for any more is not Vitest's either.
    if (isAgentReply(message)) return
    this.#dispatch(message)
  }


  #died(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    try {
      this.#takeDeath(child, code, signal)
    } finally {
      this.#onDied?.()
      this.#onDied = undefined
    }
  }

  #takeDeath(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(this.#fileTimer)
    if (this.#child !== child) return
    this.#child = undefined
    child.stdout?.unpipe(this.#stdout)
    child.stderr?.unpipe(this.#stderr)
    // Whatever waits for this worker's answers waits no more, stopped on purpose or not.
    const waiters = this.#waiters
    this.#waiters = []
    for (const waiter of waiters) waiter.reject(new IsolaneError('ISOLANE_WORKER_EXITED', 'the worker exited'))
    if (this.#stopping) {
      // Asked to stop, it ended without saying so: Vitest, which waits for that, is told.
      if (!this.#stopped) this.#dispatch({ __vitest_worker_response__: true, type: 'stopped' })
      return
    }
    const pid = child.pid
    if (this.#retiring) this.#death = { kind: 'retired' }
    else if (this.#timedOut) this.#death = { kind: 'timeout', pid, ms: this.#fileTimeout }
    else if (this.#starting && code === SETUP_FAILED_STATUS && this.#setupFailure !== undefined)
      this.#death = { kind: 'setup', message: `the isolation setup of this worker (started in a user namespace of its own) failed before any of its code ran: ${this.#setupFailure}` }
    else if (signal) this.#death = { kind: 'signal', pid, signal }
    else this.#death = { kind: 'exit', pid, code: code ?? 0 }
    // Vitest waits for a start answer before it sends the files: it gets one, and the files fail, saying why.
    if (this.#starting) {
      this.#starting = false
      this.#dispatch({ __vitest_worker_response__: true, type: 'started' })
    }
  }

  /** A live worker: after one died (not in its setup, which would fail again), a fresh one, started as Vitest started the first. */
  async #alive(): Promise<boolean> {
    // Stopped by Vitest (the run is cancelled, or over): no worker for more files.
    if (this.#stopping) return false
    if (!this.#death) return true
    if (this.#death.kind === 'setup' || !this.#startRequest) return false
    const death = this.#death
    await this.start()
    if (this.#death || !this.#child) return false
    this.#starting = true
    const answer = this.#channel().next((message): message is Response => isResponse(message, 'started'))
    this.#child.send(this.#startRequest)
    try {
      const started = await answer
      if (started.error === undefined) return true
      this.#death = { kind: 'setup', message: String((started.error as Error).message ?? started.error) }
    } catch {
      // It died while starting: #died() said why.
    }
    this.#death ??= death
    return false
  }

  #dispatch(message: unknown): void {
    for (const listener of [...this.#listeners]) listener(message)
  }

  #channel(): WorkerChannel {
    return {
      send: (message) => {
        if (isFileRequest(message)) this.#notices?.clear()
        if (isFileRequest(message) && this.#fileTimeout > 0) {
          clearTimeout(this.#fileTimer)
          this.#fileTimer = setTimeout(() => {
            this.#timedOut = true
            this.#child?.kill('SIGKILL')
          }, this.#fileTimeout)
        }
        this.#process().send(message)
      },
      next: <T>(match: (message: unknown) => message is T) => new Promise<T>((resolve, reject) => (this.#child ? this.#waiters.push({ match, resolve, reject }) : reject(new IsolaneError('ISOLANE_WORKER_EXITED', 'the worker exited')))),
      alive: () => this.#alive(),
      retire: () => this.#retire(),
      // A worker Vitest stopped (a cancelled run) fails nothing: Vitest reports what it cancelled.
      failUnfinished: async (paths) => (this.#stopping ? undefined : failUnfinishedFiles(this.#project, paths, deathMessages(this.#death ?? { kind: 'exit', pid: undefined, code: 0 }), new TestsTold(this.#notices?.read() as TestNotice[] | undefined))),
    }
  }

  #recordKept(file: string, holder: number): KeptWorker {
    const name = `${basename(file).replace(/\.[cm]?[jt]sx?$/, '').replace(/\.(test|spec)$/, '')}-w${this.#workerId}`
    const way = this.#way === 'user-namespace' ? 'user-namespace' : 'privileged'
    return recordKept({ name, pid: holder, file: relative(this.#betweenFiles.root, file), kinds: this.#plan.kinds.filter((kind) => KEPT_KINDS.includes(kind)), way, hostname: hostnameOf(this.#plan) })
  }

  /** Ends the worker on purpose (its namespaces are kept), once it is gone: the next file gets a fresh one. */
  async #retire(): Promise<void> {
    const child = this.#child
    if (!child) return
    this.#retiring = true
    const gone = new Promise<void>((resolve) => (this.#onDied = resolve))
    child.kill('SIGKILL')
    await gone
  }

  #process(): ChildProcess {
    if (!this.#child) throw new IsolaneError('ISOLANE_INTERNAL', 'isolane pool: the worker process was torn down or never started. This is a bug in isolane: please report it with your Vitest version.')
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
    throw invalidFileOptions(`a worker of project "${project.name || project.config.root}" (environment ${JSON.stringify(environment)})`, error)
  }
  const tmpfs = plan.steps.flatMap((step) => (step.op === 'tmpfs' ? [step.path] : []))
  if (tmpfs.length === 0) return plan
  const keep = bindsToKeep(tmpfs, { moduleCache: project.tmpDir, others: [project.config.root, distPath, process.cwd()] })
  if (keep.length === 0) return plan
  return createPlan({ ...options, binds: [...(options.binds ?? []), ...keep] }, { workerId })
}
