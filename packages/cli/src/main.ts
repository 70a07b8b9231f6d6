import { doctor } from './commands/doctor.js'
import { enter, ls, rm } from './commands/kept.js'
import { ns } from './commands/ns.js'
import { run } from './commands/run.js'
import { UsageError, reportError } from './errors.js'

const USAGE = `isolane: Linux namespaces for test workers

Usage:
  isolane doctor                 what this machine allows, kind by kind
  isolane run [options] -- CMD   run CMD in fresh namespaces (exits with CMD's status)
      --net --mount --ipc --uts --pid --cgroup
                                 the kinds (default without any: net, mount, ipc, uts,
                                 with lo up and a private /tmp and /dev/shm)
      --hostname NAME            hostname in the fresh UTS namespace
      --tmpfs PATH               a fresh tmpfs on PATH (repeatable)
      --way WAY                  auto (default), privileged, or user-namespace: how the
                                 namespaces are made (privileged needs root or CAP_SYS_ADMIN;
                                 user-namespace works for any user where the kernel allows it)
      --keep NAME                keep the namespaces after CMD ends (isolane enter NAME)
      --dry-run                  print the setup steps, run nothing
  isolane ns [PID...]            namespace ids of processes, side by side
  isolane ls                     workers kept after their file failed (keep: 'on-failure')
  isolane enter NAME [-- CMD]    run CMD (default: your shell) in a kept worker's namespaces
                                 (its network, /tmp and hostname: ss -ltn, ls /tmp, hostname)
  isolane rm NAME... | --all     release kept workers: their namespaces end, nothing is left
`

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'doctor': return doctor()
      case 'run': return await run(rest)
      case 'ns': return ns(rest)
      case 'ls': return ls(rest)
      case 'enter': return enter(rest)
      case 'rm': return rm(rest)
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE)
        return command === undefined ? 2 : 0
      default:
        throw new UsageError(`unknown command "${command}"`)
    }
  } catch (error) {
    return reportError(error)
  }
}
