// Runs in a short-lived child of probe(): tries a window of each kind and prints what happened.
import { isIsolaneError } from '../errors.js'
import { ALL_KINDS, type NamespaceKind } from '../kinds.js'
import type { KindProbe } from '../probe.js'
import { withIsolation } from '../window.js'

const answer: Partial<Record<NamespaceKind, KindProbe>> = {}
for (const kind of ALL_KINDS) {
  try {
    withIsolation({ namespaces: [kind], loopback: false, tmpfs: [], mqueue: false }, () => undefined)
    answer[kind] = { kind, usable: true }
  } catch (error) {
    const code = isIsolaneError(error) ? error.code : 'UNKNOWN'
    const reason = error instanceof Error ? error.message : String(error)
    answer[kind] = { kind, usable: false, code, reason }
  }
}
process.stdout.write(JSON.stringify(answer))
