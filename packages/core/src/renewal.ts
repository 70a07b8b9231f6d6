// In-worker code: renewal between the files of a reused worker. The worker's main thread moves into
// fresh net, uts and ipc namespaces (what its sockets, hostname and System V IPC will be from now
// on), and the fresh tmpfs mounts of its plan are replaced by empty ones in the worker's mount
// namespace (so every thread sees them; the mount namespace itself is not renewed, which would give
// the main thread a filesystem context of its own: fs-context.ts). What the previous file left
// (servers, sockets, timers, files in /tmp) is then out of reach of the next, and blocks nothing.
// A tmpfs the previous file left as it was mounted (empty but for the plan's binds in it, nothing
// else mounted on it, its size, mode and owner unchanged) is kept, binds and all, rather than
// replaced: the next file could not tell the two apart, and an unmount is the dearest part of a
// renewal (the kernel waits out an RCU grace period for each).
// Not renewed: memory, the module cache, globals, open descriptors, and the namespaces of threads
// that already exist (libuv's threadpool keeps the worker's first net, uts and ipc namespaces: a
// dns.lookup() made there still sees only a loopback, as before).
//
// The plan comes from the host at fork time (RENEWAL_ENV, forkIn(..., { renewable: true })). A
// worker started the user-namespace way keeps its capabilities permitted but not effective
// (child-setup.ts), and raises them only for the renewal.
import { opendirSync, statfsSync, statSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import { IsolaneError } from './errors.js'
import { cloneFlags, type NamespaceKind } from './kinds.js'
import { useKoffiAddon } from './libc/declarations.js'
import { getCapabilities, setCapabilities, umount, unshare } from './libc/syscalls.js'
import { hostnameOf } from './plan-queries.js'
import type { IsolationPlan, SetupStep, StepContext } from './plan-types.js'
import { runSteps } from './steps/index.js'
import type { ChildSetup } from './child-setup.js'

/** The variable that carries a reused worker's plan, for renewIsolation(). */
export const RENEWAL_ENV = 'ISOLANE_RENEWAL'

const RENEWED_KINDS: readonly NamespaceKind[] = ['net', 'uts', 'ipc']
/** The steps run again in a renewal: all but making / private, which holds for good. */
const RENEWED_STEPS = new Set<SetupStep['op']>(['loopback-up', 'hostname', 'tmpfs', 'mqueue', 'bind', 'plugin'])

let renewal: ChildSetup | undefined
/** Each fresh tmpfs of the plan as it was when mounted (by the setup, then by each renewal that replaced it). */
const freshTmpfs = new Map<string, string | undefined>()

/** Takes the plan out of the environment (the worker's children must not see it); call it first thing in the worker. */
export function prepareRenewal(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env[RENEWAL_ENV]
  if (raw !== undefined) {
    delete env[RENEWAL_ENV]
    renewal = JSON.parse(raw) as ChildSetup
    // koffi's addon as the parent found it: the worker's first renewal skips koffi's own lookup (6-9 ms).
    useKoffiAddon(renewal.koffiAddon)
    // Before any of the worker's own code: the tmpfs mounts are as the setup made them.
    for (const mount of freshMounts(renewal)) freshTmpfs.set(mount.path, tmpfsState(mount))
  }
  return renewal !== undefined
}

/** Whether this worker was started renewable. */
export function isRenewable(): boolean {
  return renewal !== undefined
}

/**
 * Fresh net, uts and ipc namespaces for the calling (main) thread, empty tmpfs mounts, and the
 * plan's steps again. Synchronous; throws what a step threw.
 */
export function renewIsolation(): void {
  if (!renewal)
    throw new IsolaneError('ISOLANE_NOT_RENEWABLE', 'This worker was not started renewable: it has no plan to renew its isolation with. This is a bug in isolane: please report it.')
  const setup = renewal
  // An untouched tmpfs stays, and the binds in it with it.
  const untouched = new Set(freshMounts(setup).filter(isUntouched).map((mount) => mount.path))
  const kept = (step: SetupStep) => (step.op === 'tmpfs' && untouched.has(step.path)) || (step.op === 'bind' && untouched.has(dirname(step.target)))
  const renewed = (step: SetupStep) => RENEWED_STEPS.has(step.op) && !kept(step)
  const plan: IsolationPlan = { ...setup, steps: setup.steps.filter(renewed), plugins: [], way: 'auto', fallback: 'refuse' }
  const context: StepContext = Object.freeze({ workerId: setup.workerId, kinds: setup.kinds, hostname: hostnameOf(plan) })
  withEffectiveCapabilities(() => {
    const kinds = setup.kinds.filter((kind) => RENEWED_KINDS.includes(kind))
    if (kinds.length > 0) unshare(cloneFlags(kinds), `unshare(${kinds.join('|')}) to renew a reused worker`)
    // Innermost first: an mqueue or a bind may sit below a tmpfs. MNT_DETACH: a file still open
    // there keeps its old mount alive, out of sight, until it is closed.
    const mounted = plan.steps.flatMap((step) => (step.op === 'tmpfs' || step.op === 'mqueue' ? [step.path] : []))
    for (const path of mounted.reverse()) umount(path)
    runSteps(plan, context)
  })
  for (const mount of freshMounts(setup)) if (!untouched.has(mount.path)) freshTmpfs.set(mount.path, tmpfsState(mount))
}

/** Whether the tmpfs is as it was when mounted, and holds nothing but its binds. */
function isUntouched(mount: FreshMount): boolean {
  const now = tmpfsState(mount)
  return now !== undefined && now === freshTmpfs.get(mount.path)
}

/** A fresh tmpfs of the plan, and the binds the plan makes right in it: when fresh, their mount points are all it holds. */
interface FreshMount {
  readonly path: string
  readonly binds: readonly string[]
}

function freshMounts({ steps }: { steps: readonly SetupStep[] }): FreshMount[] {
  return steps.flatMap((step) => (step.op === 'tmpfs' ? [{ path: step.path, binds: steps.flatMap((bind) => (bind.op === 'bind' && dirname(bind.target) === step.path ? [bind.target] : [])) }] : []))
}

/**
 * What tells a used tmpfs from a fresh one: the mount (its device and the birth time of its root:
 * another mount on the path has others), the directory's mode and owner, the space and inodes
 * free (a file deleted while still open holds them) and its size; that it holds nothing but the
 * mount points of its binds, each still the same bind. Undefined when it holds anything else (a
 * file, another mount point) or cannot be read: never taken for fresh. Read on the main thread,
 * which is in the worker's one mount namespace.
 */
function tmpfsState({ path, binds }: FreshMount): string | undefined {
  try {
    if (!holdsOnly(path, new Set(binds.map((target) => basename(target))))) return undefined
    const { dev, birthtimeNs, mode, uid, gid } = statSync(path, { bigint: true })
    const { blocks, bfree, files, ffree } = statfsSync(path)
    const shown = binds.map((target) => {
      const { dev, ino } = statSync(target, { bigint: true })
      return `${dev}:${ino}`
    })
    return `${dev} ${birthtimeNs} ${mode} ${uid}:${gid} ${blocks}/${bfree} ${files}/${ffree} ${shown.join(' ')}`
  } catch {
    return undefined
  }
}

/** Whether the directory holds exactly the entries named (read no further than one more). */
function holdsOnly(path: string, names: ReadonlySet<string>): boolean {
  const directory = opendirSync(path)
  try {
    let count = 0
    for (let entry = directory.readSync(); entry !== null; entry = directory.readSync()) {
      if (!names.has(entry.name)) return false
      count++
    }
    return count === names.size
  } finally {
    directory.closeSync()
  }
}

function withEffectiveCapabilities(action: () => void): void {
  const before = getCapabilities()
  const lowered = before.effective[0] !== before.permitted[0] || before.effective[1] !== before.permitted[1]
  if (lowered) setCapabilities({ effective: before.permitted, permitted: before.permitted })
  try {
    action()
  } finally {
    if (lowered) setCapabilities(before)
  }
}
