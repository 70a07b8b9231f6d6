import { describe, expect, it } from 'vitest'
import { fileOptionsOf, mergeFileOptions } from './options.js'

describe('per-file options', () => {
  it("take the file's docblock options, else the project's environmentOptions", () => {
    expect(fileOptionsOf({ name: 'isolane', options: { isolane: { hostname: 'a' } } }, { isolane: { hostname: 'b' } })).toEqual({ hostname: 'a' })
    expect(fileOptionsOf({ name: 'isolane', options: null }, { isolane: { hostname: 'b' } })).toEqual({ hostname: 'b' })
    expect(fileOptionsOf({ name: 'node', options: null }, undefined)).toBeUndefined()
  })

  it("override the pool's options key by key", () => {
    expect(mergeFileOptions({ hostname: 'pool', namespaces: ['net', 'uts'] }, { hostname: 'file' })).toEqual({ hostname: 'file', namespaces: ['net', 'uts'] })
    expect(mergeFileOptions({ hostname: 'pool' }, undefined)).toEqual({ hostname: 'pool' })
  })

  it('share a kind with the host, dropping the options that only that kind allows', () => {
    expect(mergeFileOptions({ loopback: true, hostname: 'h' }, { share: ['net'] })).toEqual({ namespaces: ['mnt', 'ipc', 'uts'], hostname: 'h' })
    expect(mergeFileOptions({ tmpfs: ['/tmp'] }, { share: ['mnt'] })).toEqual({ namespaces: ['net', 'ipc', 'uts'] })
  })

  it('reject what a file cannot set, saying what to do', () => {
    expect(() => mergeFileOptions({}, { hostnme: 'x' })).toThrow('unknown option `hostnme`')
    expect(() => mergeFileOptions({}, { plugins: [] })).toThrow('cannot be set per file')
    expect(() => mergeFileOptions({}, { share: ['network'] })).toThrow('`share` must be an array of kinds')
    expect(() => mergeFileOptions({}, 'net')).toThrow('expected an object')
  })
})
