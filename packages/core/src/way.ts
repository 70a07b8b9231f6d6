// Which way the namespaces of a plan are made here, decided once before any child starts:
// privileged (the parent's thread unshares them inside a window: root, or CAP_SYS_ADMIN, or a
// process already inside a user namespace that owns its namespaces) or user-namespace (each child
// starts in a user namespace of its own, through util-linux `unshare`: any user). Where neither
// works, the plan's fallback says whether to refuse or to run without isolation.
import { checkIsolation } from './check.js'
import { IsolaneError } from './errors.js'
import type { NamespaceKind } from './kinds.js'
import type { IsolationPlan, IsolationWay } from './plan-types.js'
import { checkUserNamespaceWay } from './user-namespace.js'
import { notSendable } from './child-setup.js'

export type WayVerdict =
  | {
      readonly ok: true
      /** 'none': no way works and the plan's fallback is 'none': children start without isolation. */
      readonly way: IsolationWay | 'none'
      /** With 'none': which kinds are missing and why, to be said once before the first child. */
      readonly notice?: string
    }
  | { readonly ok: false; readonly error: IsolaneError }

/** The way this process can make `plan`'s namespaces; never throws (a refusal carries its error). */
export function chooseWay(plan: Pick<IsolationPlan, 'kinds' | 'way' | 'fallback' | 'steps'>): WayVerdict {
  if (plan.kinds.length === 0) return { ok: true, way: 'privileged' }
  const key = `${[...plan.kinds].sort().join(',')}/${plan.way}`
  let found = decided.get(key)
  if (found === undefined) decided.set(key, (found = findWay(plan.kinds, plan.way)))
  const unsendable = found === 'user-namespace' ? notSendable(plan) : undefined
  if (unsendable) return { ok: false, error: unsendable }
  if (typeof found === 'string') return { ok: true, way: found }
  if (plan.fallback === 'none')
    return { ok: true, way: 'none', notice: `isolane: running WITHOUT isolation (fallback: 'none'): the workers share the host's ${plan.kinds.join(', ')} namespaces. ${found.message}` }
  return { ok: false, error: found }
}

// The machine does not change during a run: each set of kinds and choice is decided once a process.
const decided = new Map<string, IsolationWay | IsolaneError>()

/** The way `choice` makes `kinds` here, or the error that says why none does and what to do. */
function findWay(kinds: readonly NamespaceKind[], choice: IsolationPlan['way']): IsolationWay | IsolaneError {
  const privileged = choice === 'user-namespace' ? undefined : checkIsolation(kinds)
  if (privileged?.ok) return 'privileged'
  if (choice === 'privileged' && privileged && !privileged.ok)
    return new IsolaneError(privileged.code, `${privileged.reason} (\`way: 'privileged'\` was asked for; \`way: 'auto'\` would start each worker in a user namespace of its own instead, where that works)`, { hint: 'run as root, or use `way: "auto"`' })
  const userns = checkUserNamespaceWay(kinds)
  if (userns.usable) return 'user-namespace'
  const why = privileged && !privileged.ok ? `this process may not make ${kinds.join(', ')} namespaces itself (${privileged.why}), and ` : ''
  const fix = userns.fix ?? 'run as root'
  return new IsolaneError(
    userns.code ?? 'ISOLANE_USERNS_REFUSED',
    `${why}a user namespace of its own for each worker is not possible here either: ${userns.reason}. To fix: ${fix}.`.replace(/^./, (c) => c.toUpperCase()),
    { hint: fix },
  )
}

const announced = new Set<string>()

/** Says `notice` on stderr, once per process: what a fallback to no isolation must never hide. */
export function announceOnce(notice: string): void {
  if (announced.has(notice)) return
  announced.add(notice)
  process.stderr.write(`${notice}\n`)
}
