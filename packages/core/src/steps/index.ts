import { IsolaneError, internalError, isIsolaneError } from '../errors.js'
import type { IsolationPlan, SetupStep, StepContext } from '../plan.js'
import { bindMount } from './bind.js'
import { setHostname } from './hostname.js'
import { bringUp } from './loopback.js'
import { mountMqueue } from './mqueue.js'
import { makeMountsPrivate } from './private-mounts.js'
import { mountTmpfs } from './tmpfs.js'

/** What the window prepared for the steps: descriptors of bind sources, opened before any mount. */
export interface StepState {
  readonly bindSources: ReadonlyMap<SetupStep, number>
}

/** Runs one step of a plan on the calling thread, which is already in the fresh namespaces. */
export function runStep(step: SetupStep, plan: IsolationPlan, context: StepContext, state: StepState): void {
  switch (step.op) {
    case 'private-mounts': return makeMountsPrivate()
    case 'loopback-up': return bringUp(step.interface)
    case 'hostname': return setHostname(step.hostname)
    case 'tmpfs': return mountTmpfs(step.path, step.data)
    case 'mqueue': return mountMqueue(step.path)
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
  if (!plugin) throw internalError(`the plan names plugin ${step.index} (${step.name}) but has no such function`)
  let result: unknown
  try {
    result = plugin.setup(context)
  } catch (error) {
    if (isIsolaneError(error)) throw error
    const message = error instanceof Error ? error.message : String(error)
    throw new IsolaneError('ISOLANE_STEP_FAILED', `Isolation plugin "${step.name}" failed: ${message}`, { cause: error, hint: `fix the plugin "${step.name}"` })
  }
  if (result instanceof Promise)
    throw new IsolaneError('ISOLANE_STEP_FAILED', `Isolation plugin "${step.name}" returned a promise: plugins run inside a synchronous window and cannot await. To fix: make setup() synchronous (use the *Sync APIs).`, { hint: 'make setup() synchronous' })
}
