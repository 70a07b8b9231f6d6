// The `isolane` Vitest environment. Runs inside the worker, after it started (in-worker code: the
// host side is ../pool.ts). Under the isolane pool the worker was forked into its namespaces
// already, and this checks and reports them; under any other pool it moves the thread that runs
// the test file into fresh net, uts and ipc namespaces, and puts it back on teardown.
import { isMainThread } from 'node:worker_threads'
import { createPlan, describeNetworkAttempts, IsolaneError, isIsolaneError, namespaceId, watchNetworkAttempts, type IsolationOptions, type NamespaceKind, type TestNetworkAttempt } from '@isolane/core/internal'
import { builtinEnvironments, type Environment } from 'vitest/runtime'
import { badReportNetworkAttempts, environmentNote, environmentWithoutPrivilegeMessage, kindsNeedPool, NETWORK_HOW_TO_ALLOW, notIsolated } from '../messages.js'
import { currentTest } from '../expect-state.js'
import { readHandoff } from '../handoff.js'
import { ENVIRONMENT_NAME, mergeFileOptions } from '../options.js'
import { enterThreadWindow, THREAD_KINDS, type ThreadWindow } from './thread-window.js'

/** What the running test file got; `currentIsolation()` returns it. */
export interface CurrentIsolation {
  /** Who made the namespaces: the isolane pool at fork time, or this environment for the thread. */
  readonly by: 'pool' | 'environment'
  readonly kinds: readonly NamespaceKind[]
  readonly hostname: string | undefined
  /** Kinds asked for by default that could not be had where the file runs. */
  readonly notIsolated: readonly NamespaceKind[]
}

const CURRENT = Symbol.for('isolane.vitest.current-isolation')

/** The isolation of the running test file, or undefined outside the isolane environment. */
export function currentIsolation(): CurrentIsolation | undefined {
  return (globalThis as Record<symbol, CurrentIsolation | undefined>)[CURRENT]
}


const environment: Environment = {
  name: ENVIRONMENT_NAME,
  // The Vite environment that transforms the test files: the same as for `node`.
  viteEnvironment: 'ssr',
  async setup(global: Record<PropertyKey, unknown>, options: Record<string, unknown>) {
    const { report, fileOptions } = takeReportOption(options[ENVIRONMENT_NAME])
    const isolation = await isolate(fileOptions)
    const node = await builtinEnvironments.node.setup(global, {})
    global[CURRENT] = isolation.current
    // Under the isolane pool its agent watches the worker's network already; a thread this
    // environment moved is watched here, and what its file tried is said when the file ends.
    const attempts: TestNetworkAttempt[] = []
    const stopWatching = report && isolation.current.by === 'environment' && isolation.current.kinds.includes('net')
      ? watchNetworkAttempts({ howToAllow: NETWORK_HOW_TO_ALLOW, onAttempt: (attempt) => attempts.push({ ...attempt, ...currentTest() }) })
      : undefined
    return {
      async teardown(global: Record<PropertyKey, unknown>) {
        stopWatching?.()
        if (attempts.length > 0)
          process.stderr.write(describeNetworkAttempts(attempts, { tool: 'isolane', root: process.cwd(), howToAllow: NETWORK_HOW_TO_ALLOW, optOut: "`reportNetworkAttempts: false` in the environment's options (`environmentOptions.isolane`, or the file's docblock)" }))
        delete global[CURRENT]
        await node.teardown(global)
        isolation.restore()
      },
    }
  },
}

export default environment

/** `reportNetworkAttempts` (default true) is the environment's own option, not an isolation option. */
function takeReportOption(fileOptions: unknown): { report: boolean; fileOptions: unknown } {
  if (typeof fileOptions !== 'object' || fileOptions === null || !('reportNetworkAttempts' in fileOptions)) return { report: true, fileOptions }
  const { reportNetworkAttempts, ...rest } = fileOptions as Record<string, unknown>
  if (typeof reportNetworkAttempts !== 'boolean') throw badReportNetworkAttempts(reportNetworkAttempts, 'environment')
  return { report: reportNetworkAttempts, fileOptions: rest }
}


interface Isolation {
  readonly current: CurrentIsolation
  restore(): void
}

async function isolate(fileOptions: unknown): Promise<Isolation> {
  const handoff = readHandoff(process.env, isMainThread)
  if (handoff) {
    // The pool forked this worker into fresh namespaces; its parent is Vitest's process.
    for (const kind of handoff.kinds) if (namespaceId('self', kind) === handoff.parentNamespaces[kind]) throw notIsolated(kind, process.pid)
    return { current: Object.freeze({ by: 'pool', kinds: handoff.kinds, hostname: handoff.hostname, notIsolated: [] }), restore() {} }
  }

  const where = isMainThread ? 'a worker process of a pool other than isolane' : 'a worker thread (the threads pool)'
  // What a thread can have is the default here, and what a file shares is taken from that.
  const asked = mergeFileOptions({ namespaces: THREAD_KINDS }, fileOptions)
  const explicit = typeof fileOptions === 'object' && fileOptions !== null && ('namespaces' in fileOptions || 'share' in fileOptions)
  const kinds = asked.namespaces ?? THREAD_KINDS
  const impossible = kinds.filter((kind) => !THREAD_KINDS.includes(kind))
  if (impossible.length > 0) throw kindsNeedPool(impossible, where)
  if ((asked.tmpfs?.length ?? 0) > 0 || (asked.binds?.length ?? 0) > 0 || asked.mqueue === true) throw kindsNeedPool(['mnt'], where)
  const options: IsolationOptions = { ...asked, namespaces: kinds }
  const plan = createPlan(options, { workerId: Number(process.env.VITEST_WORKER_ID ?? 0) })
  let window: ThreadWindow
  try {
    window = enterThreadWindow(plan)
  } catch (error) {
    // Without privilege, the pool is the way: say so, with the kernel's refusal.
    if (isIsolaneError(error) && (error.code === 'EPERM' || error.code === 'ISOLANE_NAMESPACES_NOT_OWNED'))
      throw new IsolaneError(error.code, environmentWithoutPrivilegeMessage(error.reason ?? error.message, where), { hint: 'use the isolane pool', cause: error })
    throw error
  }
  // Said once a run, by its first worker, rather than once a file.
  if (!explicit && process.env.VITEST_WORKER_ID === '1') process.stderr.write(`${environmentNote(where)}\n`)
  return {
    current: Object.freeze({ by: 'environment', kinds: window.kinds, hostname: window.hostname, notIsolated: explicit ? [] : (['mnt'] as NamespaceKind[]) }),
    restore: () => window.restore(),
  }
}
