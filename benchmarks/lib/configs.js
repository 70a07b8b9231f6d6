// The configurations of section 1, and each one written three more ways from the same isolane
// plan: as a spec for the C floor, as an unshare(1) command line and as a bwrap command line.
// Deriving them all from createPlan() keeps the comparison honest: every column does the
// steps the core does, no more and no less (where a tool cannot, the note says so).
import { DEFAULT_KINDS, createPlan } from '@isolane/core'

const BARE = { loopback: false, tmpfs: [], mqueue: false }

export const HOSTNAME = 'bench-{workerId}'

/**
 * Per kind a bare window (mnt still makes / private: the core always does), two kinds with one
 * step each, the default kinds bare, then the default set.
 */
export const WINDOW_CONFIGS = [
  ...['uts', 'ipc', 'mnt', 'net', 'pid', 'cgroup'].map((kind) => ({ name: kind, label: kind, options: { namespaces: [kind], ...BARE } })),
  // One step each on top of its kind, to see what a step costs on each side.
  { name: 'net-lo', label: 'net + lo up', options: { namespaces: ['net'], ...BARE, loopback: true } },
  { name: 'mnt-tmpfs', label: 'mnt + tmpfs /tmp, /dev/shm', options: { namespaces: ['mnt'], ...BARE, tmpfs: ['/tmp', '/dev/shm'] } },
  { name: 'default-bare', label: 'net+mnt+ipc+uts, no steps', options: { namespaces: [...DEFAULT_KINDS], ...BARE } },
  { name: 'default', label: 'default set (lo up, hostname, tmpfs)', options: { hostname: HOSTNAME } },
]

/** The configuration the targets are stated for. */
export const DEFAULT_CONFIG = 'default'

/** The plan's kinds and steps as the C floor's `NAME:kinds=...;step;...` argument. */
export function cSpec(name, plan) {
  const items = [`kinds=${plan.kinds.join(',')}`]
  for (const step of plan.steps) {
    switch (step.op) {
      case 'private-mounts': items.push('private'); break
      case 'loopback-up': items.push('lo'); break
      case 'hostname': items.push(`hostname=${step.hostname}`); break
      case 'tmpfs': items.push(`tmpfs=${step.path}`); break
      case 'mqueue': items.push(`mqueue=${step.path}`); break
      default: throw new Error(`the C floor has no step "${step.op}"; this is a bug in the benchmarks`)
    }
  }
  return `${name}:${items.join(';')}`
}

const UNSHARE_FLAGS = { uts: ['--uts'], ipc: ['--ipc'], mnt: ['--mount'], net: ['--net'], pid: ['--pid', '--fork'], cgroup: ['--cgroup'] }

/**
 * unshare(1) as people use it: the flags, and the steps unshare cannot do itself run by a shell
 * with ip(8), hostname(1) and mount(8). `--mount` makes / private by default (unshare(1),
 * --propagation). `--pid` needs `--fork` for the command to be in the new PID namespace.
 */
export function unshareArgv(plan, command) {
  const flags = plan.kinds.flatMap((kind) => UNSHARE_FLAGS[kind])
  const script = []
  for (const step of plan.steps) {
    switch (step.op) {
      case 'private-mounts': break
      case 'loopback-up': script.push(`ip link set ${step.interface} up`); break
      case 'hostname': script.push(`hostname ${step.hostname}`); break
      case 'tmpfs': script.push(`mount -t tmpfs -o nosuid,nodev,${step.data} tmpfs ${step.path}`); break
      case 'mqueue': script.push(`mount -t mqueue -o nosuid,nodev,noexec mqueue ${step.path}`); break
      default: return null
    }
  }
  if (script.length === 0) return [...flags, command]
  return [...flags, 'sh', '-c', `${script.join(' && ')} && exec ${command}`]
}

const BWRAP_FLAGS = { uts: ['--unshare-uts'], ipc: ['--unshare-ipc'], mnt: [], net: ['--unshare-net'], pid: ['--unshare-pid'], cgroup: ['--unshare-cgroup'] }

/**
 * bwrap always makes a mount namespace (it pivots into a tmpfs root) and always brings lo up in a
 * fresh network namespace, so for a bare kind it does more than the core: its column is an upper
 * bound there and a like-for-like comparison only for the default set.
 */
export function bwrapArgv(plan, command) {
  const args = ['--dev-bind', '/', '/', ...plan.kinds.flatMap((kind) => BWRAP_FLAGS[kind])]
  for (const step of plan.steps) {
    switch (step.op) {
      case 'private-mounts': case 'loopback-up': break
      case 'hostname': args.push('--hostname', step.hostname); break
      case 'tmpfs': args.push('--tmpfs', step.path); break
      case 'mqueue': args.push('--mqueue', step.path); break
      default: return null
    }
  }
  return [...args, command]
}

/** How many libc calls the core makes through koffi in one window of `plan` (to explain its overhead). */
export function libcCallsPerWindow(plan) {
  const saved = plan.kinds.length + 1
  let calls = saved + (plan.kinds.length > 0 ? 1 : 0) + plan.kinds.length + 1 + saved
  for (const step of plan.steps) calls += step.op === 'loopback-up' ? 4 : 1
  return calls
}

export function planOf(config) {
  return createPlan(config.options)
}
