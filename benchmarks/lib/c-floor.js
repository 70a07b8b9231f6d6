// Compiles the C floor (../c/ns-window.c: the isolation window, and with --renew a reused worker's
// renewal) with the machine's cc into ../.build/ at bench time.
import { spawnSync } from 'node:child_process'
import { mkdirSync, renameSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const SOURCE = fileURLToPath(new URL('../c/ns-window.c', import.meta.url))
const BUILD = fileURLToPath(new URL('../.build/', import.meta.url))

/** `{ binary, compiler }`, or `{ skipped }` saying why there is no C column. */
export function buildCFloor() {
  const cc = process.env.CC || 'cc'
  const version = spawnSync(cc, ['--version'], { encoding: 'utf8' })
  if (version.error || version.status !== 0) return { skipped: `no C compiler (\`${cc}\` not found): install one (apt-get install gcc) for the C floor column` }
  mkdirSync(BUILD, { recursive: true })
  const binary = `${BUILD}ns-window`
  // Built beside it and renamed over it: another process (a test, a bench run) may be running or
  // building the binary at the same time, and must never see it half written.
  const building = `${binary}.${process.pid}.tmp`
  const build = spawnSync(cc, ['-O2', '-Wall', '-o', building, SOURCE], { encoding: 'utf8' })
  if (build.status !== 0) {
    rmSync(building, { force: true })
    return { skipped: `\`${cc} -O2 ${SOURCE}\` failed: ${(build.stderr ?? '').trim().split('\n').slice(0, 3).join(' ')}` }
  }
  renameSync(building, binary)
  return { binary, compiler: version.stdout.split('\n')[0].trim(), flags: '-O2' }
}
