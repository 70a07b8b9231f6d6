// runMocha()'s refusals: all before any worker starts, so they run in this process.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { runMocha } from './run.js'

const noConfig = ['--no-config', '--no-package']

describe('runMocha refuses before any worker starts', () => {
  it('bad isolation options, with core\'s error', async () => {
    await expect(runMocha({ argv: noConfig, isolation: { namespaces: ['bogus' as never] } })).rejects.toMatchObject({
      code: 'ISOLANE_INVALID_OPTIONS',
      message: expect.stringMatching(/unknown namespace kind "bogus"/),
    })
  })

  it('options Mocha refuses in parallel mode, with Mocha\'s error', async () => {
    await expect(runMocha({ argv: [...noConfig, '--sort', 'fixtures/mocha/binds-port-3000'] })).rejects.toMatchObject({
      code: 'ERR_MOCHA_UNSUPPORTED',
      message: '--parallel runs test files in a non-deterministic order, and is mutually exclusive with --sort',
    })
  })

  it('--watch', async () => {
    await expect(runMocha({ argv: [...noConfig, '--watch'] })).rejects.toMatchObject({ code: 'ISOLANE_MOCHA_UNSUPPORTED' })
  })

  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('spec patterns that match no file at all (mocha exits 1 there too), said once', async () => {
    const warn = vi.spyOn(console, 'warn')
    await expect(runMocha({ argv: [...noConfig, 'no/such/dir'] })).rejects.toMatchObject({
      code: 'ISOLANE_MOCHA_NO_FILES',
      message: expect.stringMatching(/^No test files found: "no\/such\/dir"\. To fix:/),
    })
    // Mocha's own "Warning: No test files found" would say it a second time.
    expect(warn).not.toHaveBeenCalled()
  })
})
