// Questions asked of a plan once it is made: which steps only the child can take, the hostname it
// sets, whether a path is hidden from its children.
import { isAbsolute, relative, resolve } from 'node:path'
import type { IsolationPlan, SetupStep } from './plan-types.js'

/** Steps only the child can take (it alone is in the new PID namespace): the rest run where the namespaces are made. */
export const CHILD_SIDE_STEPS: ReadonlySet<SetupStep['op']> = new Set(['proc'])

/**
 * Whether a child started the privileged way needs the preload too: for its own steps, or, as PID 1
 * of a new PID namespace, to stop on SIGTERM and SIGINT as any process does (child-setup.ts).
 */
export function needsChildSetup(plan: Pick<IsolationPlan, 'steps' | 'kinds'>): boolean {
  return plan.kinds.includes('pid') || plan.steps.some((step) => CHILD_SIDE_STEPS.has(step.op))
}

/** The hostname the plan sets, if it sets one. */
export function hostnameOf(plan: IsolationPlan): string | undefined {
  for (const step of plan.steps) if (step.op === 'hostname') return step.hostname
  return undefined
}

/**
 * The tmpfs mount point that hides `path` from a child made by `plan`, or undefined when the child
 * sees it (no fresh tmpfs above it, or a bind that shows it again).
 */
export function hiddenBy(plan: IsolationPlan, path: string): string | undefined {
  const absolute = resolve(path)
  const mount = plan.steps.find((step) => step.op === 'tmpfs' && isInside(absolute, step.path))
  if (mount?.op !== 'tmpfs') return undefined
  const shown = plan.steps.some((step) => step.op === 'bind' && isInside(absolute, step.target) && isInside(step.target, mount.path))
  return shown ? undefined : mount.path
}

/** Whether `path` is `directory` or lies below it (both absolute). */
export function isInside(path: string, directory: string): boolean {
  const rest = relative(directory, path)
  return rest === '' || (!rest.startsWith('..') && !isAbsolute(rest))
}
