import { constants } from 'node:os'
import { askedSignal, chooseWay, createPlan, describePlan, hostnameOf, type IsolationOptions, KEPT_KINDS, launcherArgs, NAMESPACE_KINDS, type NamespaceKind, type OptionName, OPTIONS, recordKept, spawnIn, withOwnFilesVisible } from '@isolane/core/internal'
import { defineCommand, type OptionSpec, type OptionSpecs, type Parsed } from '../command.js'
import { CommandNotRun, UsageError } from '../errors.js'
import { parseCommandLine } from '../parse.js'

/** The kind options, named as unshare(1) names them (core's option table, `namespaces`). */
const KIND_OPTIONS = (OPTIONS.namespaces.cli as { kindFlags: Readonly<Record<string, NamespaceKind>> }).kindFlags

/** The other options of the table `isolane run` takes, by flag: the flag, its help and values are the table's. */
const TABLE_OPTIONS: ReadonlyArray<readonly [flag: string, name: OptionName, spec: OptionSpec]> = (Object.keys(OPTIONS) as OptionName[]).flatMap((name) => {
  const { type, choices, cli } = OPTIONS[name]
  if (cli === undefined || !('flag' in cli)) return []
  return [[cli.flag, name, { type: type === 'boolean' ? 'boolean' : 'string', multiple: type === 'paths', value: cli.value, choices, help: cli.help }] as const]
})

const RUN_OPTIONS: OptionSpecs = {
  ...Object.fromEntries(Object.entries(KIND_OPTIONS).map(([flag, kind]) => [flag, { type: 'boolean', help: `a fresh ${kind} namespace (${NAMESPACE_KINDS[kind].isolates})` }])),
  user: { type: 'boolean', help: 'refused, with why: a Node process cannot make a user namespace; where that is the way (no root), isolane starts CMD in one of its own (--way user-namespace)' },
  ...Object.fromEntries(TABLE_OPTIONS.map(([flag, , spec]) => [flag, spec])),
  keep: { type: 'string', value: 'NAME', help: 'keep the namespaces after CMD ends, whatever its status, for isolane enter NAME (not with --pid)' },
  'dry-run': { type: 'boolean', help: 'print which way and the setup steps, run nothing' },
}

export const runCommand = defineCommand({
  name: 'run',
  synopsis: '[options] -- CMD [ARGS...]',
  summary: "run CMD in fresh namespaces (exits with CMD's status)",
  description: [
    "Like unshare(1). With no kind option, isolane's defaults: fresh net, mnt, ipc and uts namespaces, with lo up and a private /tmp and /dev/shm. With kind options, exactly those kinds.",
    "isolane's options end at --, or at the first argument that is not one of them: what follows is CMD and its own arguments (isolane run node --version runs node --version).",
  ],
  options: RUN_OPTIONS,
  operands: 'command',
  exitStatus: ["CMD's exit status, 128+N when signal N ended it; 127 when CMD was not found, 126 when it could not be run (as env(1))."],
  examples: ['isolane run -- node server.js', 'isolane run --hostname t1 --net --uts -- hostname', 'isolane run --keep probe -- sh -c \'ss -ltn; exit 1\'   # then: isolane enter probe', 'isolane run --dry-run -- true'],
  run: (parsed) => run(requestOf(parsed)),
})

export interface RunRequest {
  isolation: IsolationOptions
  dryRun: boolean
  /** Keep the namespaces after the command, under this name (`isolane enter NAME`). */
  keep: string | undefined
  command: string
  args: string[]
}

/**
 * Parses `[options] [--] CMD [ARGS...]`. With no kind option, isolane's defaults apply (net, mnt,
 * ipc, uts, lo up, private /tmp and /dev/shm); with kind options, exactly those kinds, as unshare(1).
 */
export function parseRun(argv: readonly string[]): RunRequest {
  const parsed = parseCommandLine(runCommand, argv)
  if (parsed === 'help') throw new UsageError('--help asks for the help, not for a command to run: isolane help run', 'run')
  return requestOf(parsed)
}

function requestOf({ values: given, rest }: Parsed<typeof RUN_OPTIONS>): RunRequest {
  // The options are made from the table at run time: their values are typed here, as parseArgs gives them.
  const values = given as Readonly<Record<string, string | boolean | string[] | undefined>>
  const kinds: NamespaceKind[] = Object.entries(KIND_OPTIONS).filter(([option]) => values[option]).map(([, kind]) => kind)
  if (values.user) kinds.push('user')
  const [command, ...args] = rest ?? []
  if (command === undefined) throw new UsageError('isolane run needs a command: isolane run [options] -- CMD [ARGS...]', 'run')
  // With kind options, exactly what is asked, as unshare(1): no tmpfs and no mqueue unless given.
  const isolation: Record<string, unknown> = kinds.length === 0 ? {} : { namespaces: kinds, tmpfs: [], mqueue: false }
  for (const [flag, name] of TABLE_OPTIONS) {
    // Without kind options, --mqueue adds nothing to isolane's defaults, which mount one where /dev/mqueue exists.
    if (values[flag] === undefined || (name === 'mqueue' && kinds.length === 0)) continue
    isolation[name] = values[flag]
  }
  const keep = values.keep as string | undefined
  if (keep !== undefined && kinds.includes('pid')) throw new UsageError('--keep holds the namespaces with a process left in them, and with --pid every process ends with the command: leave out --pid or --keep', 'run')
  return { isolation: isolation as IsolationOptions, dryRun: values['dry-run'] === true, keep, command, args }
}

/** `isolane run`: CMD in fresh namespaces; resolves to CMD's exit status (128+N for signal N). */
async function run(request: RunRequest): Promise<number> {
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
      // With --pid, a command that keeps a signal's default action got SIGKILL for it (askedSignal): the status is the signal's.
      resolve(code ?? 128 + signalNumber(askedSignal(child) ?? signal))
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
  return error.code === 'ENOENT' || error.code === 'EACCES' ? new CommandNotRun(command, error.code) : error
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (osSignals[signal] ?? 0) : 0
}

const osSignals = constants.signals as Record<string, number>
