import { describe, expect, it } from 'vitest'
import { evaluateTargets } from './targets.js'

const spread = (median) => ({ n: 10, median, p10: median * 0.9, p90: median * 1.1, min: median * 0.8, max: median * 1.2 })

function windows(ratio) {
  const config = (name, kinds, core, c, libcCalls) => ({ name, kinds, libcCalls, core: spread(core), c: spread(c), ratioToC: spread(core / c), overheadUs: spread(core - c) })
  return { configs: [config('uts', ['uts'], 21, 14, 7), config('default', ['net', 'mnt', 'ipc', 'uts'], 600 * ratio, 600, 24)] }
}

function sustained(fdsLast, pilesUp = false) {
  const sample = (windows, fds) => ({ windows, perSecond: 1000, rssKiB: 50_000, heapUsedKiB: 4000, fds, netNamespaces: 40 })
  const worker = { samples: [sample(0, 20), sample(1000, 20), sample(2000, fdsLast)], verdict: { rssGrowthKiB: 0, heapGrowthKiB: 0, fdGrowth: fdsLast - 20, memoryGrows: false, fdsGrow: fdsLast > 20 } }
  return { settings: { windows: 2000 }, memoryNoise: { rssKiB: 4096, rssFraction: 0.05, heapKiB: 512 }, netNamespaceSource: 'slabinfo', runs: [{ processes: 1, netNamespaces: { before: 30, peak: 90, atEnd: 50, afterSettle: 31, settleMs: 200, pilesUp }, workers: [worker] }] }
}

const byId = (targets, id) => targets.find((t) => t.id === id)

describe('targets', () => {
  it('meets the window target within 1.2x and says by how much and why when it misses', () => {
    expect(byId(evaluateTargets({ windows: windows(1.1) }), 'window').met).toBe(true)
    const missed = byId(evaluateTargets({ windows: windows(1.5) }), 'window')
    expect(missed.met).toBe(false)
    expect(missed.why).toMatch(/^missed by 25%/)
    expect(missed.why).toContain('us of fixed JS-side cost per libc call')
  })

  it('flags descriptors that grow over the sustained run', () => {
    expect(byId(evaluateTargets({ sustained: sustained(20) }), 'sustained').met).toBe(true)
    const grown = byId(evaluateTargets({ sustained: sustained(21) }), 'sustained')
    expect(grown.met).toBe(false)
    expect(grown.why).toContain('descriptors')
  })

  it('says whether network namespaces pile up, from the trend of the kernel\'s count', () => {
    expect(byId(evaluateTargets({ sustained: sustained(20, false) }), 'netns').met).toBe(true)
    const piled = byId(evaluateTargets({ sustained: sustained(20, true) }), 'netns')
    expect(piled.met).toBe(false)
    expect(piled.why).toContain('cleanup_net')
  })

  it('meets a suite target by the median ratio, and says so when its interval reaches past it', () => {
    const suite = (ratio, ratioInterval) => ({ suites: [{ name: 'vitest', isolane: 'isolane', stock: 'forks', ratio, ratioSource: 'paired', ...(ratioInterval && { ratioInterval }) }] })
    const clear = byId(evaluateTargets({ suites: suite(1.03, { low: 1.01, high: 1.04 }) }), 'suite-vitest')
    expect(clear.met).toBe(true)
    expect(clear.why).toBeUndefined()
    const noisy = byId(evaluateTargets({ suites: suite(1.03, { low: 0.99, high: 1.08 }) }), 'suite-vitest')
    expect(noisy).toMatchObject({ met: true, measured: expect.stringContaining('95% interval 0.99-1.08'), why: expect.stringContaining('cannot rule out a small miss') })
    expect(byId(evaluateTargets({ suites: suite(1.1) }), 'suite-vitest')).toMatchObject({ met: false, why: expect.stringMatching(/^missed by/) })
  })

  it('meets the rootless start target by the paired median, and names what each stage costs when it misses', () => {
    const rootless = (ratio) => ({
      variants: [
        { name: 'plain', readyUs: spread(100_000) },
        { name: 'userNamespace', readyUs: spread(100_000 * ratio), ratio: { ...spread(ratio), ciLow: ratio - 0.01, ciHigh: ratio + 0.01 }, overBaselineUs: spread(100_000 * (ratio - 1)) },
      ],
      stages: [
        { name: 'launcher', readyUs: spread(4000) },
        { name: 'preloadModules', readyUs: spread(6000) },
        { name: 'setup', readyUs: spread(9000) },
      ],
    })
    const met = byId(evaluateTargets({ rootlessStart: rootless(1.05) }), 'rootless-start')
    expect(met).toMatchObject({ met: true, target: 1.1, measured: expect.stringMatching(/^1.05x median of 10 paired ratios/) })
    const missed = byId(evaluateTargets({ rootlessStart: rootless(1.2) }), 'rootless-start')
    expect(missed.met).toBe(false)
    expect(missed.why).toMatch(/^missed by 9.09%: the median paired differences put the launcher 4 ms, loading the preload's modules 6 ms, koffi, the steps and the capability drop 9 ms/)
    expect(missed.why).toContain('lies wholly above the target, so this run\'s noise does not explain the miss')
    expect(byId(evaluateTargets({ rootlessStart: { skipped: 'no unshare' } }), 'rootless-start')).toMatchObject({ met: null, why: 'no unshare' })
  })

  it('holds each suite to its own target: the suite run without root to 1.08x', () => {
    const suites = { suites: [{ name: 'vitest (no root)', id: 'vitest-rootless', target: 1.08, isolane: 'isolane', stock: 'forks', ratio: 1.07, ratioSource: 'paired' }, { name: 'vitest', isolane: 'isolane', stock: 'forks', ratio: 1.07, ratioSource: 'paired' }] }
    const targets = evaluateTargets({ suites })
    expect(byId(targets, 'suite-vitest-rootless')).toMatchObject({ met: true, target: 1.08, label: 'vitest (no root) suite: isolane within 1.08x of the stock parallel runner' })
    expect(byId(targets, 'suite-vitest')).toMatchObject({ met: false, target: 1.05 })
  })

  it('reports what was not run as not measured, with the reason', () => {
    const targets = evaluateTargets({})
    expect(byId(targets, 'window')).toMatchObject({ met: null, why: 'not run' })
    expect(byId(targets, 'worker-start')).toMatchObject({ met: null, why: 'not run' })
    expect(byId(targets, 'rootless-start')).toMatchObject({ met: null, why: 'not run' })
  })
})
