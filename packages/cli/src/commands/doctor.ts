import { DEFAULT_KINDS, NAMESPACE_KINDS, probe, type ProbeResult } from '@isolane/core'
import { bad, bold, dim, ok, table } from '../output.js'

/** `isolane doctor`: what this machine allows, kind by kind. Exit 0 when the default kinds work. */
export function doctor(write: (text: string) => void = (t) => process.stdout.write(t)): number {
  const result = probe()
  write(`${bold('isolane doctor')}  ${dim(`${result.platform} ${result.kernel ?? ''}, node ${process.version}, ${describeUser(result)}`)}\n\n`)
  const rows = Object.values(result.kinds).map((k) => [
    k.kind,
    k.usable ? ok('yes') : bad('no'),
    DEFAULT_KINDS.includes(k.kind) ? 'default' : 'optional',
    k.usable ? dim(NAMESPACE_KINDS[k.kind].isolates) : `${k.code}: ${withoutFix(k.reason ?? '')}`,
  ])
  write(`${table(['kind', 'usable', 'in isolane', 'isolates / why not'], rows)}\n\n`)
  const userns = result.unprivilegedUserNamespaces
  write(`unprivileged user namespaces: ${userns.allowed ? ok('allowed') : bad('not allowed')} ${dim(`(${userns.reason})`)}\n`)
  const missing = DEFAULT_KINDS.filter((kind) => !result.kinds[kind].usable)
  if (missing.length === 0) {
    write(`\n${ok('Ready:')} every worker can get fresh ${DEFAULT_KINDS.join(', ')} namespaces.\n`)
    return 0
  }
  write(`\n${bad('Not ready:')} ${missing.join(', ')} cannot be created here.\n${fixFor(result)}\n`)
  return 1
}

/** The table says what and why; the one fix for all of them follows the table. */
function withoutFix(reason: string): string {
  const cut = reason.indexOf(' To fix:')
  return cut === -1 ? reason : reason.slice(0, cut)
}

function describeUser(result: ProbeResult): string {
  if (!result.linux) return 'not Linux'
  return result.root ? 'root' : `uid ${process.getuid?.()}${result.capSysAdmin ? ' with CAP_SYS_ADMIN' : ', no CAP_SYS_ADMIN'}`
}

function fixFor(result: ProbeResult): string {
  if (!result.linux) return 'isolane needs Linux: run the tests on a Linux machine, VM or container.'
  if (!result.capSysAdmin && result.unprivilegedUserNamespaces.allowed && result.unshareCommand)
    return `To fix: run as root, or rootless by starting Node inside a user namespace that owns the others:\n  ${bold('unshare --user --map-root-user --net --mount --ipc --uts node ...')}\n  (for example: unshare --user --map-root-user --net --mount --ipc --uts npx vitest run)`
  if (!result.capSysAdmin) return 'To fix: run as root (or with CAP_SYS_ADMIN); unprivileged user namespaces are not available for a rootless run here.'
  return 'To fix: check the kernel configuration (CONFIG_NET_NS, CONFIG_UTS_NS, CONFIG_IPC_NS) and security modules (seccomp, AppArmor, SELinux) that may forbid unshare(2).'
}
