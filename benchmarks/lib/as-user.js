// Running a benchmark's commands as a user without privilege, from a benchmark run as root: the
// user is made when missing (useradd) and removed again by whoever made it; commands go through
// runuser(1) where it exists, else su(1). Used by vitest-suite.js --rootless.
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'

export const DEFAULT_USER = 'isolane-bench'

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0

/** `text` as one word for /bin/sh. */
export function shellQuote(text) {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`
}

/**
 * The command and arguments that run `argv` as `runAs.user` (`runAs.via`: runuser or su), or
 * `argv` itself when `runAs` names no user (this process's own).
 */
export function asUserArgv(runAs, argv) {
  const [command, ...args] = argv
  if (!runAs?.user) return [command, args]
  if (runAs.via === 'runuser') return ['runuser', ['-u', runAs.user, '--', ...argv]]
  return ['su', [runAs.user, '-s', '/bin/sh', '-c', argv.map(shellQuote).join(' ')]]
}

/**
 * Makes sure `user` exists (created when missing: `created` says so) and can read `paths` and run
 * `node` from `cwd`. Returns `{ user, uid, gid, via, created, description }`, or `{ skipped }`
 * with the reason. Only root can do this.
 */
export function prepareUser(user, { node, paths, cwd }) {
  if (process.getuid?.() !== 0) return { skipped: 'only root can run the suite as another user' }
  const via = has('runuser') ? 'runuser' : has('su') ? 'su' : null
  if (!via) return { skipped: 'neither runuser(1) nor su(1) is installed, so the suite cannot be run as another user' }
  let created = false
  if (spawnSync('id', ['-u', user], { stdio: 'ignore' }).status !== 0) {
    if (!has('useradd')) return { skipped: `the user ${user} does not exist and useradd is not installed (apt-get install passwd)` }
    const add = spawnSync('useradd', ['--no-create-home', '--shell', '/bin/sh', user], { encoding: 'utf8' })
    if (add.status !== 0) return { skipped: `useradd ${user} failed: ${(add.stderr || add.stdout).trim()}` }
    created = true
  }
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout)
  const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout)
  const runAs = { user, uid, gid, via, created, description: `${user} (uid ${uid}, through ${via})` }
  const check = [...paths.map((p) => `test -r ${shellQuote(p)}`), `cd ${shellQuote(cwd)}`, `${shellQuote(node)} -e 0`].join(' && ')
  const [command, args] = asUserArgv(runAs, ['/bin/sh', '-c', check])
  const access = spawnSync(command, args, { encoding: 'utf8', cwd: '/' })
  if (access.status !== 0) {
    if (created) removeUser(user)
    return { skipped: `the user ${user} cannot read ${paths.join(', ')} or run ${node} from ${cwd} (check the permissions of their folders)${access.stderr?.trim() ? `: ${access.stderr.trim()}` : ''}` }
  }
  return runAs
}

/** Removes a user this run made, and a folder it owned. */
export function removeUser(user, folder) {
  if (folder) rmSync(folder, { recursive: true, force: true })
  spawnSync('userdel', [user], { stdio: 'ignore' })
}

/**
 * What a failed run's output says went wrong, in a line or two for the results: its first line,
 * and the first error message after it (isolane's own where there is one).
 */
export function failureSummary(text) {
  const lines = String(text).split('\n').map((l) => l.trim()).filter(Boolean)
  const first = lines[0] ?? 'failed'
  const rest = lines.slice(1)
  const telling =
    rest.find((l) => /^(\w+)?Error\b.*:/.test(l) && /isolane|namespace/i.test(l)) ??
    rest.find((l) => /^isolane\b/i.test(l)) ??
    rest.find((l) => /^(\w+)?Error\b.*:/.test(l)) ??
    rest.find((l) => /\b(EPERM|EACCES|ENOENT)\b/.test(l))
  const clip = (l) => (l.length > 400 ? `${l.slice(0, 397)}...` : l)
  return telling ? `${clip(first)} ${clip(telling)}` : clip(first)
}
