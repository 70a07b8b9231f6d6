// A plan in words: what `isolane run --dry-run` prints and error reports show, one line a step.
import { NAMESPACE_KINDS } from './kinds.js'
import type { IsolationPlan } from './plan-types.js'

/** One line a step, as `isolane run --dry-run` or an error report prints a plan. */
export function describePlan(plan: IsolationPlan): string[] {
  const lines = [`unshare ${plan.kinds.map((k) => NAMESPACE_KINDS[k].flagName).join('|') || '(nothing)'}`]
  for (const step of plan.steps) {
    switch (step.op) {
      case 'private-mounts': lines.push('make / recursively private (no mount propagates to the host)'); break
      case 'loopback-up': lines.push(`bring ${step.interface} up`); break
      case 'hostname': lines.push(`set hostname ${step.hostname}`); break
      case 'tmpfs': lines.push(`mount a fresh tmpfs on ${step.path}`); break
      case 'mqueue': lines.push(`mount a fresh mqueue on ${step.path}`); break
      case 'proc': lines.push(`mount the new PID namespace's procfs on ${step.path} (in the child, its PID 1)`); break
      case 'bind': lines.push(`bind ${step.source} on ${step.target}${step.readOnly ? ' read-only' : ''}`); break
      case 'plugin': lines.push(`run plugin ${step.name}${step.module ? ` (${step.module})` : ''}`); break
    }
  }
  return lines
}
