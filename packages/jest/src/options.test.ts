import { describe, expect, it } from 'vitest'
import { isIsolaneError } from '@isolane/core/internal'
import { resolveRunnerOptions } from './options.js'

function refusal(options: unknown): string {
  try {
    resolveRunnerOptions(options)
  } catch (error) {
    expect(isIsolaneError(error)).toBe(true)
    expect((error as { code: string }).code).toBe('ISOLANE_INVALID_OPTIONS')
    return (error as Error).message
  }
  throw new Error('expected the options to be refused')
}

describe('resolveRunnerOptions', () => {
  it("defaults to reused workers, stopped leftovers, no file time limit and core's default isolation", () => {
    expect(resolveRunnerOptions(undefined)).toEqual({ isolation: {}, reuseWorkers: true, leftovers: 'stop', fileTimeout: 0, reportNetworkAttempts: true, keep: false })
    expect(resolveRunnerOptions({})).toEqual(resolveRunnerOptions(undefined))
  })

  it('splits the run mode from the isolation options', () => {
    expect(resolveRunnerOptions({ hostname: 'w-{workerId}', reuseWorkers: false, leftovers: 'fail', fileTimeout: 5000, reportNetworkAttempts: false })).toEqual({
      isolation: { hostname: 'w-{workerId}' },
      reuseWorkers: false,
      leftovers: 'fail',
      fileTimeout: 5000,
      reportNetworkAttempts: false,
      keep: false,
    })
  })

  it("refuses bad isolation options with core's reason, and says where the options are", () => {
    expect(refusal({ namespaces: ['net', 'nope'] })).toMatch(/^@isolane\/jest: invalid runner options \(`runner: \['@isolane\/jest', \{ \.\.\. \}\]` in the Jest config\): Invalid isolation options: unknown namespace kind "nope"/)
    expect(refusal({ color: 'blue' })).toMatch(/unknown option `color`.*The runner also takes `reuseWorkers`, `leftovers`, `fileTimeout`, `reportNetworkAttempts` and `keep`/)
  })

  it('refuses a bad run mode, saying what to write', () => {
    expect(refusal([])).toMatch(/expected an object, got an array/)
    expect(refusal({ reuseWorkers: 'yes' })).toMatch(/`reuseWorkers` must be true or false, not "yes"/)
    expect(refusal({ leftovers: 'ignore' })).toMatch(/`leftovers` must be stop, fail or keep, not "ignore"/)
    expect(refusal({ fileTimeout: -1 })).toMatch(/`fileTimeout` must be a number of milliseconds, 0 for no limit; got -1/)
    expect(refusal({ reportNetworkAttempts: 'no' })).toMatch(/`reportNetworkAttempts` must be true or false, not "no"/)
  })

  it("keeps failed files' workers with keep: 'on-failure', each file in a fresh worker; not with the pid kind", () => {
    expect(resolveRunnerOptions({ keep: 'on-failure' })).toMatchObject({ keep: true, reuseWorkers: false })
    expect(resolveRunnerOptions({ keep: 'on-failure', namespaces: [] })).toMatchObject({ keep: false })
    expect(refusal({ keep: 'always' })).toMatch(/`keep` must be never or on-failure, not "always"/)
    expect(refusal({ keep: 'on-failure', namespaces: ['net', 'mnt', 'pid'] })).toMatch(/with the pid kind every process of a worker ends with it/)
  })

  it('refuses a function plugin in reused workers, which renew their isolation themselves', () => {
    const plugins = [{ name: 'inline', setup: () => undefined }]
    expect(refusal({ plugins })).toMatch(/isolation plugin "inline" is a function/)
    expect(resolveRunnerOptions({ plugins, reuseWorkers: false }).isolation.plugins).toEqual(plugins)
  })
})
