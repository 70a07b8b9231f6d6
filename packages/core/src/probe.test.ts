import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isFsContextUnshared } from './fs-context.js'
import { ALL_KINDS } from './kinds.js'
import { canIsolate, probe } from './probe.js'
import { expectChdirWorks, snapshotParent } from './test-support.js'

const asRoot = process.getuid?.() === 0 ? undefined : 'not root: the kinds this test expects to be usable need CAP_SYS_ADMIN'
if (asRoot) console.warn(`skipped: ${asRoot}`)
const threads = () => readdirSync('/proc/self/task').length

describe('probe()', () => {
  it('leaves the calling process as it was: namespaces, cwd, hostname, fds, mounts, threads, and a working chdir', () => {
    const before = snapshotParent()
    const threadsBefore = threads()
    const fsContextBefore = isFsContextUnshared()
    const result = probe({ fresh: true })
    expect(result.linux).toBe(true)
    const after = snapshotParent()
    // The probe thread tried a mount namespace of its own: the calling thread's fs context is not shared with it.
    expect(isFsContextUnshared()).toBe(fsContextBefore)
    // probe() waits for its thread to end: the thread and its descriptors (its event loop) are gone.
    expect(after).toEqual(before)
    expect(threads()).toBe(threadsBefore)
    expectChdirWorks()
  })

  it.skipIf(asRoot)('as root, finds every kind usable but user, which Node (multi-threaded) can never enter', () => {
    const { kinds, root, capSysAdmin } = probe({ fresh: true })
    expect({ root, capSysAdmin }).toEqual({ root: true, capSysAdmin: true })
    for (const kind of ALL_KINDS.filter((k) => k !== 'user')) expect(kinds[kind], kind).toEqual({ kind, usable: true })
    expect(kinds.user).toMatchObject({ kind: 'user', usable: false, code: 'ISOLANE_USERNS_FROM_NODE' })
    expect(canIsolate(['net', 'mnt', 'ipc', 'uts'])).toEqual({ ok: true })
    expect(canIsolate(['net', 'user'])).toMatchObject({ ok: false, kind: 'user', code: 'ISOLANE_USERNS_FROM_NODE' })
  })

  it('gives the same answer when its entry runs as a child process (the fallback where no thread can start)', () => {
    const entry = join(import.meta.dirname, '../dist/entry/probe-kinds.js')
    const child = spawnSync(process.execPath, [entry], { encoding: 'utf8' })
    expect(child.status, child.stderr).toBe(0)
    const fromChild = JSON.parse(child.stdout) as Record<string, { usable: boolean; code?: string }>
    const fromThread = probe().kinds
    for (const kind of ALL_KINDS) expect({ kind, usable: fromChild[kind]?.usable, code: fromChild[kind]?.code }).toEqual({ kind, usable: fromThread[kind].usable, code: fromThread[kind].code })
  })
})
