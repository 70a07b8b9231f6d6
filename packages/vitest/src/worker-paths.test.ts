import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { bindsToKeep } from './worker-paths.js'

describe('bindsToKeep', () => {
  // Stands in for a directory that gets a fresh tmpfs; nothing is mounted here.
  const tmpfs = mkdtempSync(join(tmpdir(), 'isolane-worker-paths-'))
  afterAll(() => rmSync(tmpfs, { recursive: true, force: true }))

  it("shows Vitest's module cache again, read-only, creating it first", () => {
    const cache = join(tmpfs, 'AbCdEf123')
    expect(bindsToKeep([tmpfs], { moduleCache: cache, others: ['/work/project'] })).toEqual([{ source: cache, target: cache, readOnly: true }])
    expect(existsSync(cache)).toBe(true)
  })

  it('keeps the top folder of a project that lives under the tmpfs, writable', () => {
    const project = join(tmpfs, 'proj')
    mkdirSync(join(project, 'packages', 'a'), { recursive: true })
    expect(bindsToKeep([tmpfs], { moduleCache: '/var/cache/elsewhere', others: [join(project, 'packages', 'a'), join(project, 'node_modules', 'vitest', 'dist')] })).toEqual([
      { source: project, target: project, readOnly: false },
    ])
  })

  it('keeps nothing when nothing lives under the tmpfs mounts', () => {
    expect(bindsToKeep(['/nonexistent-tmpfs'], { moduleCache: '/var/cache/x', others: ['/work/project'] })).toEqual([])
  })
})
