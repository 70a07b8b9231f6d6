import { chooseWay, createPlan, describePlan, hostnameOf, KEPT_KINDS, recordKept, withOwnFilesVisible, launcherArgs, spawnIn, WAY_CHOICES, type IsolationOptions, type NamespaceKind, type WayChoice } from '@isolane/core'
import { UsageError } from '../errors.js'

const KIND_FLAGS: Record<string, NamespaceKind> = {
  '--net': 'net',
  '--mount': 'mnt',
  '--ipc': 'ipc',
  '--uts': 'uts',
  '--pid': 'pid',
  '--cgroup': 'cgroup',
  '--user': 'user',
}

export interface RunRequest {
  isolation: IsolationOptions
  dryRun: boolean
  /** Keep the namespaces after the command, under this name (`isolane enter NAME`). */
  keep: string | undefined
  command: string
  args: string[]
}

/**
 * Parses `[flags] -- CMD [ARGS...]`. With no kind flag, isolane's defaults apply (net, mnt, ipc,
 * uts, lo up, private /tmp and /dev/shm); with kind flags, exactly those kinds, as unshare(1).
 */
export function parseRun(argv: readonly string[]): RunRequest {
  const kinds: NamespaceKind[] = []
  const tmpfs: string[] = []
  let hostname: string | undefined
  let way: WayChoice | undefined
  let dryRun = false
  let keep: string | undefined
  let i = 0
  const value = (flag: string) => {
    const next = argv[++i]
    if (next === undefined || next === '--') throw new UsageError(`${flag} needs a value`)
    return next
  }
  for (; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      i++
      break
    }
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    if (flag in KIND_FLAGS) kinds.push(KIND_FLAGS[flag]!)
    else if (flag === '--hostname') hostname = inline ?? value(flag)
    else if (flag === '--tmpfs') tmpfs.push(inline ?? value(flag))
    else if (flag === '--way') way = wayOf(inline ?? value(flag))
    else if (flag === '--dry-run') dryRun = true
    else if (flag === '--keep') keep = inline ?? value(flag)
    else if (!arg.startsWith('-')) break
    else throw new UsageError(`unknown option ${arg} for isolane run`)
  }
  const [command, ...args] = argv.slice(i)
  if (command === undefined) throw new UsageError('isolane run needs a command: isolane run [options] -- CMD [ARGS...]')
  const isolation: IsolationOptions = kinds.length === 0 ? {} : { namespaces: kinds, tmpfs, mqueue: false }
  if (kinds.length === 0 && tmpfs.length > 0) isolation.tmpfs = tmpfs
  if (hostname !== undefined) isolation.hostname = hostname
  if (way !== undefined) isolation.way = way
  if (keep !== undefined && kinds.includes('pid')) throw new UsageError('--keep holds the namespaces with a process left in them, and with --pid every process ends with the command: leave out --pid or --keep')
  return { isolation, dryRun, keep, command, args }
}

function wayOf(value: string): WayChoice {
  if ((WAY_CHOICES as readonly string[]).includes(value)) return value as WayChoice
  throw new UsageError(`--way takes ${WAY_CHOICES.join(', ')}, not "${value}"`)
}

/** `isolane run`: CMD in fresh namespaces; resolves to CMD's exit status (128+N for signal N). */
export async function run(argv: readonly string[]): Promise<number> {
  const request = parseRun(argv)
  const plan = createPlan(request.isolation)
  const verdict = chooseWay(plan)
  if (!verdict.ok) throw verdict.error
  if (request.dryRun) {
    process.stdout.write(`${describeWay(verdict.way, plan.kinds)}\n${describePlan(withOwnFilesVisible(plan)).join('\n')}\nexec ${[request.command, ...request.args].join(' ')}\n`)
    return 0
  }
  const keep = request.keep !== undefined && verdict.way !== 'none'
  const child = spawnIn(plan, verdict.way, request.command, request.args, { stdio: keep ? ['inherit', 'inherit', 'inherit', 'pipe'] : 'inherit' }, { hold: keep })
  // With --keep, the child writes the pid of the process that holds its namespaces on fd 3.
  let holder = ''
  child.stdio[3]?.on('data', (chunk: Buffer) => (holder += chunk.toString()))
  const forward = (signal: NodeJS.Signals) => child.kill(signal)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward)
  const status = await new Promise<number>((resolve, reject) => {
    child.once('error', (error) => reject(spawnError(request.command, error)))
    child.once('close', (code, signal) => {
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, forward)
      resolve(code ?? 128 + signalNumber(signal))
    })
  })
  if (keep && /^\d+$/.test(holder.trim())) {
    const way = verdict.way === 'user-namespace' ? 'user-namespace' : 'privileged'
    const kept = recordKept({ name: request.keep!, pid: Number(holder.trim()), file: undefined, kinds: plan.kinds.filter((kind) => KEPT_KINDS.includes(kind)), way, hostname: hostnameOf(plan) })
    process.stderr.write(`isolane: kept the namespaces of \`${[request.command, ...request.args].join(' ')}\` as ${kept.name}: isolane enter ${kept.name} [-- CMD]; release with isolane rm ${kept.name}\n`)
  }
  return status
}

function describeWay(way: string, kinds: readonly NamespaceKind[]): string {
  if (way === 'privileged') return 'way: privileged (this process makes the namespaces in a window on its own thread)'
  if (way === 'user-namespace') return `way: user namespace (unshare ${launcherArgs(kinds).join(' ')}, then these steps in the child, then all capabilities dropped)`
  return 'way: none (fallback: no isolation)'
}

function spawnError(command: string, error: NodeJS.ErrnoException): Error {
  if (error.code === 'ENOENT') return new UsageError(`command not found: ${command}`)
  return error
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (osSignals[signal] ?? 0) : 0
}

import { constants } from 'node:os'
const osSignals = constants.signals as Record<string, number>
