// The tools people use today: util-linux unshare(1) and bubblewrap. bwrap is installed with
// apt-get at bench time when missing (full runs only: --quick and CI never install anything).
import { spawnSync } from 'node:child_process'

function which(command) {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' })
  return found.status === 0 ? found.stdout.trim() : null
}

function versionOf(path, flag = '--version') {
  const result = spawnSync(path, [flag], { encoding: 'utf8' })
  return result.status === 0 ? result.stdout.trim().split('\n')[0] : null
}

export function findTrue() {
  return which('true') ?? '/bin/true'
}

export function findUnshare() {
  const path = which('unshare')
  if (!path) return { skipped: 'util-linux `unshare` is not installed (apt-get install util-linux)' }
  const ip = which('ip')
  return { path, version: versionOf(path), ip, note: ip ? undefined : 'ip(8) is missing: configurations with lo up have no unshare(1) column' }
}

/** `{ path, version }` or `{ skipped }`; `install` allows one `apt-get update && apt-get install`. */
export function findBwrap({ install, log }) {
  let path = which('bwrap')
  if (!path && !install) return { skipped: 'bwrap is not installed, and --quick never installs it (run the full benchmark, or apt-get install bubblewrap)' }
  if (!path) {
    if (!which('apt-get')) return { skipped: 'bwrap is not installed and there is no apt-get to install it (install bubblewrap by hand)' }
    log('  installing bubblewrap with apt-get (bwrap column)...')
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    const update = spawnSync('apt-get', ['update', '-q'], { encoding: 'utf8', env, timeout: 180_000 })
    if (update.status !== 0) return { skipped: `\`apt-get update\` failed: ${lastLine(update)}` }
    const installed = spawnSync('apt-get', ['install', '-y', '-q', 'bubblewrap'], { encoding: 'utf8', env, timeout: 300_000 })
    if (installed.status !== 0) return { skipped: `\`apt-get install bubblewrap\` failed: ${lastLine(installed)}` }
    path = which('bwrap')
    if (!path) return { skipped: 'apt-get installed bubblewrap but no bwrap is on PATH' }
  }
  const check = spawnSync(path, ['--dev-bind', '/', '/', '--unshare-uts', findTrue()], { encoding: 'utf8' })
  if (check.status !== 0) return { skipped: `bwrap cannot make namespaces here: ${(check.stderr || '').trim()}` }
  return { path, version: versionOf(path) }
}

function lastLine(result) {
  if (result.error) return result.error.message
  return (result.stderr || result.stdout || '').trim().split('\n').pop() ?? `exit ${result.status}`
}
