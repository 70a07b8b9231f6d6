// End to end: the isolane pool without root, the older way that still works: Vitest
// started by an unprivileged user inside a user namespace that it owns (util-linux `unshare`).
import { spawnSync } from 'node:child_process'
import { probe } from '@isolane/core'
import { describe, expect, it } from 'vitest'
import { runVitest } from '../fixtures/vitest/run-vitest.js'

const machine = probe()
const setpriv = spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0
const why = process.getuid?.() !== 0
  ? 'the test drops from root to an unprivileged user, and this is not root'
  : !setpriv
    ? 'util-linux `setpriv` is not installed'
    : !machine.unshareCommand
      ? 'util-linux `unshare` is not installed'
      : !machine.unprivilegedUserNamespaces.allowed
        ? machine.unprivilegedUserNamespaces.reason
        : undefined
if (why) console.log(`skipping the rootless Vitest test: ${why}`)

// uid 65534 (nobody): it can read the workspace but not write into it, hence no results cache and
// a config loaded without a temporary file.
const rootless = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'unshare', '--user', '--map-root-user', '--net', '--mount', '--ipc', '--uts']

describe.skipIf(why !== undefined)('without root', () => {
  it('the port-3000 files all pass under the isolane pool inside an unprivileged user namespace', async () => {
    const run = await runVitest('binds-port-3000', { prefix: rootless, args: ['--configLoader=runner'] })
    expect(run.files.map((file) => file.status)).toEqual(['passed', 'passed', 'passed', 'passed'])
    expect(run.code).toBe(0)
  })
})
