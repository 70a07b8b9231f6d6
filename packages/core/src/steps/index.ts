import { createRequire } from 'node:module'
import { IsolaneError, internalError, isIsolaneError } from '../errors.js'
import { CHILD_SIDE_STEPS } from '../plan-queries.js'
import type { IsolationPlan, SetupStep, StepContext } from '../plan-types.js'
import { closeFd } from '../libc/syscalls.js'
import { bindMount, openBindSource } from './bind.js'
import { setHostname } from './hostname.js'
import { bringUp } from './loopback.js'
import { mountMqueue } from './mqueue.js'
import { mountProc } from './proc.js'
import { makeMountsPrivate } from './private-mounts.js'
import { mountTmpfs } from './tmpfs.js'

/** What the window prepared for the steps: descriptors of bind sources, opened before any mount. */
export interface StepState {
  readonly bindSources: ReadonlyMap<SetupStep, number>
}

/**
 * Runs every step of `plan` on the calling thread, which is already in the fresh namespaces. Bind
 * sources are opened first: in the fresh mount namespace (a bind from another one is refused with
 * EINVAL), and before any tmpfs could hide them.
 */
export function runSteps(plan: IsolationPlan, context: StepContext, where: 'window' | 'child' = 'window'): void {
  const bindSources = new Map<SetupStep, number>()
  // A window runs in the parent, which is not in the new PID namespace: the child mounts its /proc.
  const steps = where === 'window' ? plan.steps.filter((step) => !CHILD_SIDE_STEPS.has(step.op)) : plan.steps
  try {
    for (const step of steps) if (step.op === 'bind') bindSources.set(step, openBindSource(step.source))
    for (const step of steps) runStep(step, plan, context, { bindSources })
  } finally {
    for (const fd of bindSources.values()) closeFd(fd)
  }
}

/** Runs one step of a plan on the calling thread, which is already in the fresh namespaces. */
export function runStep(step: SetupStep, plan: IsolationPlan, context: StepContext, state: StepState): void {
  switch (step.op) {
    case 'private-mounts': return makeMountsPrivate()
    case 'loopback-up': return bringUp(step.interface)
    case 'hostname': return setHostname(step.hostname)
    case 'tmpfs': return mountTmpfs(step.path, step.data)
    case 'mqueue': return mountMqueue(step.path)
    case 'proc': return mountProc(step.path)
    case 'bind': return bindMount(bindSourceOf(step, state), step.target, step.readOnly)
    case 'plugin': return runPlugin(step, plan, context)
  }
}

function bindSourceOf(step: SetupStep, state: StepState): number {
  const fd = state.bindSources.get(step)
  if (fd === undefined) throw internalError('a bind step ran without its source descriptor')
  return fd
}

function runPlugin(step: Extract<SetupStep, { op: 'plugin' }>, plan: IsolationPlan, context: StepContext): void {
  const plugin = plan.plugins[step.index]
  const setup = step.module !== undefined ? loadPluginModule(step.name, step.module) : plugin && 'setup' in plugin ? plugin.setup.bind(plugin) : undefined
  if (!setup) throw internalError(`the plan names plugin ${step.index} (${step.name}) but has no such function`)
  let result: unknown
  try {
    result = setup(context)
  } catch (error) {
    if (isIsolaneError(error)) throw error
    const message = error instanceof Error ? error.message : String(error)
    throw new IsolaneError('ISOLANE_STEP_FAILED', `Isolation plugin "${step.name}" failed: ${message}`, { cause: error, hint: `fix the plugin "${step.name}"` })
  }
  if (result instanceof Promise)
    throw new IsolaneError('ISOLANE_STEP_FAILED', `Isolation plugin "${step.name}" returned a promise: plugins run inside a synchronous window and cannot await. To fix: make setup() synchronous (use the *Sync APIs).`, { hint: 'make setup() synchronous' })
}

type Setup = (context: StepContext) => unknown

/**
 * A module plugin, loaded synchronously (require(), which takes ES modules too on Node 20.19+):
 * its `setup` export, its default export's `setup`, or its default export as a function.
 */
function loadPluginModule(name: string, path: string): Setup {
  let loaded: Record<string, unknown>
  try {
    loaded = createRequire(import.meta.url)(path) as Record<string, unknown>
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new IsolaneError('ISOLANE_STEP_FAILED', `Isolation plugin "${name}" could not be loaded from ${path}: ${message}. To fix: check the module (it is loaded with require(): CommonJS, or an ES module without top-level await).`, { cause: error, hint: `fix the plugin module ${path}` })
  }
  const fallback = loaded.default as Record<string, unknown> | Setup | undefined
  const setup = loaded.setup ?? (typeof fallback === 'function' ? fallback : fallback?.setup)
  if (typeof setup !== 'function')
    throw new IsolaneError('ISOLANE_STEP_FAILED', `Isolation plugin "${name}": ${path} exports no setup function. To fix: export \`setup(context)\` (or a default export with one).`, { hint: 'export a setup function' })
  return setup as Setup
}
