import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isIsolaneError, OPTIONS } from '@isolane/core/internal'
import { loadRunSettings, splitIsolaneArgs } from './options.js'
import { exitCodeOf } from './run.js'

describe('splitIsolaneArgs', () => {
  it('takes --isolane-* flags out and leaves Mocha\'s arguments in order', () => {
    const split = splitIsolaneArgs(['--timeout', '100', '--isolane-namespaces', 'net,mnt', 'test/a.spec.js', '--isolane-hostname=w-{workerId}', '-j', '2'])
    expect(split.mochaArgv).toEqual(['--timeout', '100', 'test/a.spec.js', '-j', '2'])
    expect(split.isolation).toEqual({ namespaces: ['net', 'mnt'], hostname: 'w-{workerId}' })
  })

  it('reads lists, "none", booleans and their --no- forms', () => {
    expect(splitIsolaneArgs(['--isolane-namespaces', 'none']).isolation).toEqual({ namespaces: [] })
    expect(splitIsolaneArgs(['--isolane-tmpfs', '/tmp, /dev/shm']).isolation).toEqual({ tmpfs: ['/tmp', '/dev/shm'] })
    expect(splitIsolaneArgs(['--isolane-loopback']).isolation).toEqual({ loopback: true })
    expect(splitIsolaneArgs(['--isolane-loopback=false']).isolation).toEqual({ loopback: false })
    expect(splitIsolaneArgs(['--isolane-no-loopback']).isolation).toEqual({ loopback: false })
    expect(splitIsolaneArgs(['--no-isolane-mqueue']).isolation).toEqual({ mqueue: false })
  })

  it('reads --isolane-reuse-workers apart from the isolation options', () => {
    expect(splitIsolaneArgs(['--isolane-reuse-workers', 'test/']).runMode).toEqual({ reuseWorkers: true })
    expect(splitIsolaneArgs(['--isolane-reuse-workers', 'test/']).isolation).toEqual({})
    expect(splitIsolaneArgs(['--isolane-reuse-workers', 'test/']).mochaArgv).toEqual(['test/'])
    expect(splitIsolaneArgs(['--isolane-no-reuse-workers']).runMode).toEqual({ reuseWorkers: false })
    expect(splitIsolaneArgs(['--isolane-reuse-workers=false']).runMode).toEqual({ reuseWorkers: false })
  })

  it('takes --shard out (Vitest\'s flag, which Mocha has not), in both forms, and checks it before Mocha loads anything', () => {
    expect(splitIsolaneArgs(['--shard=2/3', 'test/']).runMode).toEqual({ shard: '2/3' })
    expect(splitIsolaneArgs(['--shard', '2/3', 'test/'])).toMatchObject({ mochaArgv: ['test/'], runMode: { shard: '2/3' } })
    expect(() => splitIsolaneArgs(['--shard'])).toThrow(/Option --shard needs a value\. To fix: give one, as in `--shard 2\/3`/)
    expect(loadRunSettings(['--no-config', '--no-package', '--shard', '2/3']).shard).toEqual({ index: 2, count: 3 })
    expect(loadRunSettings(['--no-config', '--no-package', '--shard', '2/3'], {}, { shard: '1/2' }).shard).toEqual({ index: 1, count: 2 })
    expect(loadRunSettings(['--no-config', '--no-package']).shard).toBeUndefined()
    expect(() => loadRunSettings(['--no-config', '--no-package', '--shard=4/3'])).toThrow(/not "4\/3": there are only 3 shards/)
  })

  it("takes every --isolane-* flag of core's option table, and the help and the unknown-flag message name each", () => {
    const help = execFileSync(process.execPath, [fileURLToPath(new URL('../bin/isolane-mocha.js', import.meta.url)), '--help'], { encoding: 'utf8' })
    let unknown = ''
    try {
      splitIsolaneArgs(['--isolane-bogus'])
    } catch (error) {
      unknown = (error as Error).message
    }
    const flags = Object.entries(OPTIONS).flatMap(([name, spec]) => (spec.mocha ? [{ name, ...spec.mocha }] : []))
    expect(flags.length).toBeGreaterThanOrEqual(12)
    for (const { name, flag, example, usage } of flags) {
      const split = splitIsolaneArgs([`${flag}=${example}`])
      expect({ ...split.isolation, ...split.runMode }, flag).toHaveProperty(name)
      expect(help, flag).toContain(`  ${usage} `.trimEnd())
      expect(unknown, flag).toContain(flag)
    }
  })

  it('leaves everything after -- to Mocha', () => {
    expect(splitIsolaneArgs(['--', '--isolane-hostname', 'x']).mochaArgv).toEqual(['--', '--isolane-hostname', 'x'])
  })

  it.each([
    [['--isolane-bogus', 'x'], /Unknown option --isolane-bogus\. To fix: use one of --isolane-namespaces/],
    [['--isolane-hostname'], /Option --isolane-hostname needs a value\. To fix: give one, as in `--isolane-hostname worker-\{workerId\}`/],
    [['--isolane-namespaces', '--bail'], /Option --isolane-namespaces needs a value/],
    [['--isolane-loopback=maybe'], /takes true or false, not "maybe"/],
    [['--isolane-no-hostname'], /Unknown option --isolane-no-hostname/],
    [['--isolane-reuse-workers=yes'], /Option --isolane-reuse-workers takes true or false, not "yes"/],
  ])('refuses %j with a message that says what to do', (argv, message) => {
    let thrown: unknown
    try {
      splitIsolaneArgs(argv)
    } catch (error) {
      thrown = error
    }
    expect(isIsolaneError(thrown) && thrown.code).toBe('ISOLANE_MOCHA_USAGE')
    expect((thrown as Error).message).toMatch(message)
  })
})

describe('loadRunSettings', () => {
  it('validates the isolation options with core before anything runs', () => {
    expect(() => loadRunSettings(['--no-config', '--no-package', '--isolane-namespaces', 'net,user'])).toThrow(/user namespace cannot be created from Node/)
    expect(() => loadRunSettings(['--no-config', '--no-package'], { hostname: 'a b' })).toThrow(/characters a hostname cannot have/)
  })

  it('lets the programmatic options win over the flags, and reads --jobs', () => {
    const settings = loadRunSettings(['--no-config', '--no-package', '--isolane-hostname', 'flag', '--jobs', '3', 'spec.js'], { hostname: 'api' })
    expect(settings.isolation).toEqual({ hostname: 'api' })
    expect(settings.jobs).toBe(3)
    expect(settings.args._).toEqual(['spec.js'])
  })

  it('sends node flags and --node-option to the workers, not to Mocha', () => {
    const settings = loadRunSettings(['--no-config', '--no-package', '--enable-source-maps', '--node-option', 'no-warnings'])
    expect(settings.workerExecArgv).toEqual(['--enable-source-maps', '--no-warnings'])
    expect(settings.args['enable-source-maps']).toBeUndefined()
  })

  it("gives the workers this process's own node flags when none is given, as Mocha's pool does", () => {
    expect(loadRunSettings(['--no-config', '--no-package']).workerExecArgv).toEqual(process.execArgv)
    expect(loadRunSettings(['--no-config', '--no-package', '--node-option', 'no-warnings']).workerExecArgv).toEqual(['--no-warnings'])
  })
})

describe('reuseWorkers', () => {
  const reusingConfig = join(import.meta.dirname, '../../../fixtures/mocha/reuses-workers/.mocharc.cjs')
  let scratch: string
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'isolane-mocha-options-'))
  })
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  it('is on unless turned off: --jobs workers, renewed between files, as mocha --parallel reuses its workers', () => {
    expect(loadRunSettings(['--no-config', '--no-package']).reuseWorkers).toBe(true)
    expect(loadRunSettings(['--no-config', '--no-package', '--isolane-no-reuse-workers']).reuseWorkers).toBe(false)
  })

  it('takes what to do with leftover processes, and refuses anything else', () => {
    expect(loadRunSettings(['--no-config', '--no-package']).leftovers).toBe('stop')
    expect(loadRunSettings(['--no-config', '--no-package', '--isolane-leftovers', 'fail']).leftovers).toBe('fail')
    expect(() => loadRunSettings(['--no-config', '--no-package', '--isolane-leftovers=ignore'])).toThrow(/must be stop, fail or keep, not "ignore"/)
  })

  it('takes a file time limit in milliseconds (none by default), and refuses anything else', () => {
    expect(loadRunSettings(['--no-config', '--no-package']).fileTimeout).toBe(0)
    expect(loadRunSettings(['--no-config', '--no-package', '--isolane-file-timeout', '60000']).fileTimeout).toBe(60000)
    expect(loadRunSettings(['--no-config', '--no-package'], {}, { fileTimeout: 5000 }).fileTimeout).toBe(5000)
    expect(() => loadRunSettings(['--no-config', '--no-package', '--isolane-file-timeout=-5'])).toThrow(/--isolane-file-timeout \(or `isolane\.fileTimeout`\) must be a number of milliseconds, 0 for no limit; got "-5"/)
  })

  it('reports attempts to reach outside the network by default; the flag turns it off', () => {
    expect(loadRunSettings(['--no-config', '--no-package']).reportNetworkAttempts).toBe(true)
    expect(loadRunSettings(['--no-config', '--no-package', '--isolane-no-report-network-attempts']).reportNetworkAttempts).toBe(false)
    expect(loadRunSettings(['--no-config', '--no-package', '--isolane-report-network-attempts=false']).reportNetworkAttempts).toBe(false)
  })

  it('comes from the config, the flag over it, the programmatic option over both, and is no isolation option', () => {
    const fromConfig = loadRunSettings(['--config', reusingConfig, '--no-package'])
    expect(fromConfig.reuseWorkers).toBe(true)
    expect(fromConfig.isolation).toEqual({})
    expect(loadRunSettings(['--config', reusingConfig, '--no-package', '--isolane-no-reuse-workers']).reuseWorkers).toBe(false)
    expect(loadRunSettings(['--config', reusingConfig, '--no-package', '--isolane-no-reuse-workers'], {}, { reuseWorkers: true }).reuseWorkers).toBe(true)
    expect(loadRunSettings(['--no-config', '--no-package', '--isolane-reuse-workers']).reuseWorkers).toBe(true)
  })

  it('refuses a config value that is not a boolean, saying what to write', () => {
    const config = join(scratch, '.mocharc.json')
    writeFileSync(config, JSON.stringify({ isolane: { reuseWorkers: 'yes' } }))
    expect(() => loadRunSettings(['--config', config, '--no-package'])).toThrow(
      /The `isolane\.reuseWorkers` key of the Mocha config must be true or false, not "yes"\. To fix: write `reuseWorkers: false` for a fresh worker per file/,
    )
    expect(() => loadRunSettings(['--no-config', '--no-package'], {}, { reuseWorkers: 1 as never })).toThrow(/The `reuseWorkers` option of runMocha\(\) must be true or false, not 1/)
  })
})

describe('exitCodeOf', () => {
  it('follows mocha\'s rules', () => {
    expect(exitCodeOf(0, {})).toBe(0)
    expect(exitCodeOf(5, {})).toBe(5)
    expect(exitCodeOf(300, {})).toBe(255)
    expect(exitCodeOf(5, { 'posix-exit-codes': true })).toBe(1)
    expect(exitCodeOf(5, { passOnFailingTestSuite: true })).toBe(0)
  })
})
