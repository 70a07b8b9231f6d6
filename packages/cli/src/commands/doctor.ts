import { ALL_KINDS, DEFAULT_KINDS, NAMESPACE_KINDS, checkUserNamespaceWay, chooseWay, createPlan, launcherArgs, probe, type NamespaceKind, type ProbeResult } from '@isolane/core/internal'
import { defineCommand } from '../command.js'
import { bad, bold, dim, ok, table } from '../output.js'

export const doctorCommand = defineCommand({
  name: 'doctor',
  synopsis: '',
  summary: 'what this machine allows, kind by kind',
  description: [
    'For every namespace kind, whether this process may make it (the privileged way: root or CAP_SYS_ADMIN) and whether a user namespace may (the way of any user); then which way isolane takes here for its default kinds, or why none works and what to do.',
  ],
  options: {},
  operands: 'none',
  exitStatus: ['0 when a way to make the default namespaces (net, mnt, ipc, uts) works here, 1 when none does.'],
  examples: ['isolane doctor'],
  run: () => doctor(),
})

/**
 * `isolane doctor`: what this machine allows, kind by kind and way by way, which way isolane takes
 * here for its default kinds, and where none works, why and what to do. Exit 0 when one works.
 */
export function doctor(write: (text: string) => void = (t) => process.stdout.write(t)): number {
  const result = probe()
  write(`${bold('isolane doctor')}  ${dim(`${result.platform} ${result.kernel ?? ''}, node ${process.version}, ${describeUser(result)}`)}\n\n`)
  const kinds = ALL_KINDS.filter((kind) => kind !== 'user')
  const rows = kinds.map((kind) => {
    const privileged = result.kinds[kind]
    const userns = checkUserNamespaceWay([kind])
    return [
      kind,
      privileged.usable ? ok('yes') : bad(`no (${privileged.code})`),
      userns.usable ? ok('yes') : bad(`no (${userns.code})`),
      DEFAULT_KINDS.includes(kind) ? 'default' : 'optional',
      dim(NAMESPACE_KINDS[kind].isolates),
    ]
  })
  write(`${table(['kind', 'privileged', 'user namespace', 'in isolane', 'isolates'], rows)}\n\n`)

  const verdict = chooseWay(createPlan({}))
  if (verdict.ok && verdict.way === 'privileged') {
    write(`${ok('Ready:')} every worker gets fresh ${DEFAULT_KINDS.join(', ')} namespaces, made by this process (${result.root ? 'root' : 'CAP_SYS_ADMIN'}).\n`)
    return 0
  }
  if (verdict.ok) {
    write(
      `${ok('Ready:')} every worker gets fresh ${DEFAULT_KINDS.join(', ')} namespaces inside a user namespace of its own ` +
        `(${dim(`unshare ${launcherArgs(DEFAULT_KINDS).join(' ')}`)}), with the user's own uid and no capability left once set up.\n`,
    )
    const privilegedWhy = firstRefusal(result, DEFAULT_KINDS)
    if (privilegedWhy) write(dim(`The privileged way is not open here: ${privilegedWhy}\n`))
    return 0
  }
  write(`${bad('Not ready:')} no way to make ${DEFAULT_KINDS.join(', ')} namespaces works here.\n${verdict.error.message}\n`)
  return 1
}

function firstRefusal(result: ProbeResult, kinds: readonly NamespaceKind[]): string | undefined {
  const refused = kinds.map((kind) => result.kinds[kind]).find((k) => !k.usable)
  if (!refused) return undefined
  return refused.why === undefined ? refused.reason : `${refused.why}.`
}

function describeUser(result: ProbeResult): string {
  if (!result.linux) return 'not Linux'
  return result.root ? 'root' : `uid ${process.getuid?.()}${result.capSysAdmin ? ' with CAP_SYS_ADMIN' : ', no CAP_SYS_ADMIN'}`
}
