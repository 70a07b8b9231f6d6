// A check the adapters make before their first worker, on the thread that will open the windows,
// in about 20 ms, most of it koffi's first calls (probe() starts a thread: about 0.1 s). Every kind but mnt is tried with an
// empty window, and the thread is put back. mnt is not tried: unshare(CLONE_NEWNS) would give the
// thread its own filesystem context for good (see fs-context.ts), and a user's global setup may
// still chdir. It is judged by what its window needs: CAP_SYS_ADMIN (unshare(2)) and a user
// namespace that owns the mount namespace (setns(2) back).
import { constants } from 'node:os'
import { isIsolaneError, syscallError } from './errors.js'
import type { NamespaceKind } from './kinds.js'
import { closeFd } from './libc/syscalls.js'
import { assertOwnedNamespaces } from './ownership.js'
import { isLinux } from './platform.js'
import { hasCapSysAdmin, type IsolationVerdict } from './probe.js'
import { saveThreadState, withIsolation } from './window.js'

/** Whether windows of `kinds` can be opened from the calling thread; the first refusal if not. */
export function checkIsolation(kinds: readonly NamespaceKind[]): IsolationVerdict {
  if (!isLinux) {
    const kind = kinds[0] ?? 'net'
    return { ok: false, kind, code: 'ISOLANE_NOT_LINUX', reason: `namespaces are a Linux feature and this is ${process.platform}: run on Linux` }
  }
  const refused = (kind: NamespaceKind, error: unknown): IsolationVerdict => ({
    ok: false,
    kind,
    code: isIsolaneError(error) ? error.code : 'UNKNOWN',
    reason: error instanceof Error ? error.message : String(error),
  })
  // All kinds at once first, so that a refusal names every kind the user namespace does not own.
  try {
    assertOwned(kinds)
  } catch (error) {
    return refused(kinds[0] ?? 'net', error)
  }
  for (const kind of kinds) {
    try {
      if (kind !== 'mnt') withIsolation({ namespaces: [kind], loopback: false, tmpfs: [], mqueue: false }, () => undefined)
      else if (!hasCapSysAdmin()) throw syscallError('unshare', constants.errno.EPERM, { call: 'unshare(CLONE_NEWNS)' })
    } catch (error) {
      return refused(kind, error)
    }
  }
  return { ok: true }
}

function assertOwned(kinds: readonly NamespaceKind[]): void {
  const saved = saveThreadState(kinds)
  try {
    assertOwnedNamespaces(saved.namespaces)
  } finally {
    for (const fd of [...saved.namespaces.map((n) => n.fd), saved.cwd]) closeFd(fd)
  }
}
