import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ALL_KINDS, DEFAULT_KINDS, NAMESPACE_KINDS, cloneFlags } from './kinds.js'

describe('namespace kinds', () => {
  it('are the seven of namespaces(7), each named by a file in /proc/self/ns', () => {
    expect([...ALL_KINDS].sort()).toEqual(['cgroup', 'ipc', 'mnt', 'net', 'pid', 'user', 'uts'])
    const files = readdirSync('/proc/self/ns')
    for (const kind of ALL_KINDS) {
      expect(files).toContain(NAMESPACE_KINDS[kind].procName)
      expect(files).toContain(NAMESPACE_KINDS[kind].forChildren)
    }
  })

  it('have distinct CLONE_NEW* flags that or together', () => {
    const flags = ALL_KINDS.map((kind) => NAMESPACE_KINDS[kind].flag)
    expect(new Set(flags).size).toBe(7)
    expect(cloneFlags(DEFAULT_KINDS)).toBe(0x40000000 | 0x00020000 | 0x08000000 | 0x04000000)
    expect(NAMESPACE_KINDS.pid.forChildren).toBe('pid_for_children')
  })
})
