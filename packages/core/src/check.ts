// The check the adapters make before their first worker, on the thread that will open the windows:
// about 20 ms, most of it koffi's first calls (probe() starts a thread: about 0.1 s). Every kind
// but mnt is tried with an empty window, and the thread is put back. mnt is not tried:
// unshare(CLONE_NEWNS) would give the thread its own filesystem context for good (see
// fs-context.ts) while a user's global setup may still chdir. It is judged by what its window
// needs: CAP_SYS_ADMIN (unshare(2)) and a user namespace that owns the mount namespace (setns(2)).
import { constants } from 'node:os'
import { syscallError } from './errors.js'
import type { NamespaceKind } from './kinds.js'
import { assertOwnedNamespaces } from './ownership.js'
import { isLinux } from './platform.js'
import { canIsolate, hasCapSysAdmin, probe, refusedVerdict, type IsolationVerdict, type KindProbe } from './probe.js'
import { refusal, tryKind } from './try-kind.js'
import { restoreThreadState, saveThreadState } from './window.js'

/** Whether windows of `kinds` can be opened from the calling thread; the first refusal if not. */
export function checkIsolation(kinds: readonly NamespaceKind[]): IsolationVerdict {
  // Off Linux, probe() answers at once, without a thread.
  if (!isLinux) return canIsolate(kinds, probe())
  // All kinds at once first, so that a refusal names every kind the user namespace does not own.
  try {
    assertOwned(kinds)
  } catch (error) {
    return refusedVerdict(refusal(kinds[0] ?? 'net', error))
  }
  for (const kind of kinds) {
    const answer = kind === 'mnt' ? judgeMountNamespace() : tryKind(kind)
    if (!answer.usable) return refusedVerdict(answer)
  }
  return { ok: true }
}

function assertOwned(kinds: readonly NamespaceKind[]): void {
  const saved = saveThreadState(kinds)
  try {
    assertOwnedNamespaces(saved.namespaces)
  } finally {
    // Nothing was entered: only the descriptors are closed, as enterIsolation() does.
    restoreThreadState({ namespaces: [], cwd: saved.cwd, close: saved.namespaces.map((n) => n.fd) })
  }
}

function judgeMountNamespace(): KindProbe {
  if (hasCapSysAdmin()) return { kind: 'mnt', usable: true }
  return refusal('mnt', syscallError('unshare', constants.errno.EPERM, { call: 'unshare(CLONE_NEWNS)' }))
}
