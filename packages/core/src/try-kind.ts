// One kind tried for real: an empty window of it on the calling thread, which is put back.
// probe()'s thread and checkIsolation() both ask this way; a refusal is an answer, not a throw.
import { isIsolaneError } from './errors.js'
import type { NamespaceKind } from './kinds.js'
import type { KindProbe } from './probe-answer.js'
import { withIsolation } from './window.js'

export function tryKind(kind: NamespaceKind): KindProbe {
  try {
    withIsolation({ namespaces: [kind], loopback: false, tmpfs: [], mqueue: false }, () => undefined)
    return { kind, usable: true }
  } catch (error) {
    return refusal(kind, error)
  }
}

/** The answer for `kind` when `error` stopped it. */
export function refusal(kind: NamespaceKind, error: unknown): KindProbe {
  const reason = error instanceof Error ? error.message : String(error)
  return { kind, usable: false, code: isIsolaneError(error) ? error.code : 'ISOLANE_INTERNAL', reason, why: (isIsolaneError(error) ? error.reason : undefined) ?? reason }
}
