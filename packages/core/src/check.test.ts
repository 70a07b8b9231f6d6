import { describe, expect, it } from 'vitest'
import { checkIsolation } from './check.js'
import { isFsContextUnshared } from './fs-context.js'
import { cannotIsolate, expectChdirWorks, snapshotParent } from './test-support.js'

const skip = cannotIsolate(['net', 'mnt', 'ipc', 'uts', 'pid', 'cgroup'])

describe.skipIf(skip)('checkIsolation()', () => {
  it('finds every kind usable here, and leaves the calling thread as it was, its filesystem context still shared', () => {
    const before = snapshotParent()
    expect(isFsContextUnshared()).toBe(false)
    expect(checkIsolation(['net', 'mnt', 'ipc', 'uts', 'pid', 'cgroup'])).toEqual({ ok: true })
    expect(snapshotParent()).toEqual(before)
    // mnt was judged, not tried: no window of it gave this thread a filesystem context of its own.
    expect(isFsContextUnshared()).toBe(false)
    expectChdirWorks()
  })
})
