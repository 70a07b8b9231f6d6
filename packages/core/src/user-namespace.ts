// The user-namespace way: without privilege, a child is started through util-linux `unshare(1)`,
// a single-threaded launcher that makes a fresh user namespace owning fresh net, mnt, ipc, uts
// (pid, cgroup) namespaces, maps the user's own uid and gid into it, and execs Node there. A Node
// process cannot make a user namespace itself: unshare(CLONE_NEWUSER) fails with EINVAL in any
// multi-threaded process (unshare(2)). `--keep-caps` passes the capabilities the new user
// namespace grants (user_namespaces(7)) on to Node as ambient ones, so that the child's preload
// (entry/child-setup.cts) can run the plan's steps, then drops every one of them.
import { spawnSync } from 'node:child_process'
import { accessSync, constants as fsConstants, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import type { IsolaneErrorCode } from './errors.js'
import type { NamespaceKind } from './kinds.js'
import { SECCOMP_FIX } from './syscall-explanations.js'
import { isLinux } from './platform.js'

export const LAUNCHER = 'unshare'

/** The launcher's flags for each kind. A PID namespace needs a fork (its procfs is the child's own step, 'proc'). */
const KIND_FLAGS: Record<Exclude<NamespaceKind, 'user'>, readonly string[]> = {
  net: ['--net'],
  mnt: ['--mount'],
  ipc: ['--ipc'],
  uts: ['--uts'],
  cgroup: ['--cgroup'],
  pid: ['--pid', '--fork', '--kill-child'],
}

/** The launcher's arguments, up to the `--` that precedes the command. */
export function launcherArgs(kinds: readonly NamespaceKind[]): string[] {
  const args = ['--user', '--map-current-user', '--keep-caps']
  for (const kind of kinds) if (kind !== 'user') args.push(...KIND_FLAGS[kind])
  return args
}

let launcherPath: string | null | undefined

/** The launcher's absolute path (looked up on PATH once), or undefined if it is not installed. */
export function findLauncher(): string | undefined {
  if (launcherPath === undefined) launcherPath = lookUp(LAUNCHER) ?? null
  return launcherPath ?? undefined
}

function lookUp(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    if (!dir) continue
    const path = join(dir, command)
    try {
      accessSync(path, fsConstants.X_OK)
      return path
    } catch {
      // not here
    }
  }
  return undefined
}

export interface UserNamespaceAnswer {
  readonly usable: boolean
  /** When not: ISOLANE_LAUNCHER_MISSING, ISOLANE_USERNS_DISABLED, ISOLANE_USERNS_RESTRICTED, ISOLANE_SECCOMP, ISOLANE_NODE_TOO_OLD, ISOLANE_USERNS_REFUSED, ISOLANE_NOT_LINUX. */
  readonly code?: IsolaneErrorCode
  /** What failed and why, in a sentence. */
  readonly reason?: string
  /** What to do about it. */
  readonly fix?: string
}

const answers = new Map<string, UserNamespaceAnswer>()

/**
 * Whether children can be started in user namespaces owning fresh namespaces of `kinds`: the
 * launcher is run for real once per set of kinds (about 3 ms), since only the kernel knows
 * (AppArmor, seccomp and sysctls can each refuse). Never throws.
 */
export function checkUserNamespaceWay(kinds: readonly NamespaceKind[]): UserNamespaceAnswer {
  const key = [...kinds].sort().join(',')
  let answer = answers.get(key)
  if (!answer) {
    answer = tryUserNamespace(kinds)
    answers.set(key, answer)
  }
  return answer
}

function tryUserNamespace(kinds: readonly NamespaceKind[]): UserNamespaceAnswer {
  if (!isLinux) return { usable: false, code: 'ISOLANE_NOT_LINUX', reason: `namespaces are a Linux feature and this is ${process.platform}`, fix: 'run the tests on Linux (a Linux CI runner, a VM or a container)' }
  if (!nodeRequiresEsm())
    return { usable: false, code: 'ISOLANE_NODE_TOO_OLD', reason: `Node ${process.versions.node} cannot load isolane's setup into a worker before its first thread starts (that needs require() of ES modules: Node 20.19, 22.12 or later)`, fix: 'upgrade Node to 20.19 or later' }
  const launcher = findLauncher()
  if (!launcher) return launcherMissing()
  const result = spawnSync(launcher, [...launcherArgs(kinds), '--', 'true'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'ignore', 'pipe'] })
  if (result.status === 0) return { usable: true }
  const said = (result.stderr ?? '').trim().split('\n').slice(-2).join(' ') || (result.error?.message ?? `exit status ${result.status}`)
  if (/unrecognized option|invalid option/.test(said)) return launcherMissing(`the installed \`unshare\` (${launcher}) is too old: ${said}`)
  return explainRefusal(said)
}

/** Why the kernel refused, from the switches it reads (user_namespaces(7)) and what the launcher said. */
function explainRefusal(said: string): UserNamespaceAnswer {
  if (readText('/proc/sys/user/max_user_namespaces') === '0')
    return { usable: false, code: 'ISOLANE_USERNS_DISABLED', reason: `user namespaces are switched off (user.max_user_namespaces is 0; \`unshare\` said: ${said})`, fix: 'allow them: `sudo sysctl -w user.max_user_namespaces=15000` (persist it in /etc/sysctl.d/), or run the tests as root' }
  if (readText('/proc/sys/kernel/unprivileged_userns_clone') === '0')
    return { usable: false, code: 'ISOLANE_USERNS_DISABLED', reason: `unprivileged user namespaces are switched off (kernel.unprivileged_userns_clone is 0; \`unshare\` said: ${said})`, fix: 'allow them: `sudo sysctl -w kernel.unprivileged_userns_clone=1` (persist it in /etc/sysctl.d/), or run the tests as root' }
  if (readText('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === '1')
    return {
      usable: false,
      code: 'ISOLANE_USERNS_RESTRICTED',
      reason: `AppArmor denies capabilities inside unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns is 1, as on Ubuntu 23.10 and later and GitHub's ubuntu-24.04 runners; \`unshare\` said: ${said})`,
      fix: "lift the restriction: `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` (persist it: `echo kernel.apparmor_restrict_unprivileged_userns=0 | sudo tee /etc/sysctl.d/60-isolane.conf`; on a GitHub runner, a step that runs the sysctl), or run the tests with sudo",
    }
  if (/Seccomp:\s*2/.test(readText('/proc/self/status') ?? '') && /not permitted/i.test(said))
    return {
      usable: false,
      code: 'ISOLANE_SECCOMP',
      reason: `a seccomp filter refuses unshare(2) (a default Docker container does, even as root; \`unshare\` said: ${said})`,
      fix: SECCOMP_FIX,
    }
  return { usable: false, code: 'ISOLANE_USERNS_REFUSED', reason: `the kernel refused a user namespace (\`unshare\` said: ${said})`, fix: 'run `isolane doctor` for what this machine allows, or run the tests as root' }
}

function launcherMissing(why = `util-linux \`${LAUNCHER}\` is not on PATH`): UserNamespaceAnswer {
  return { usable: false, code: 'ISOLANE_LAUNCHER_MISSING', reason: `${why}; it starts each worker in a user namespace of its own`, fix: 'install util-linux 2.38 or later (`apt-get install util-linux`, `dnf install util-linux`, `apk add util-linux-misc`), or run the tests as root' }
}

/** require() of an ES module, which the child's preload needs to load isolane's core synchronously. */
function nodeRequiresEsm(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
  return major > 22 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19)
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return undefined
  }
}
