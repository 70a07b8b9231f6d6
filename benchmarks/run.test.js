// End to end: `run.js --quick` over one section, as CI runs it, checking what a user gets.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { fileURLToPath } from 'node:url'
import { canIsolate, namespaceIds, probe } from '@isolane/core'
import { describe, expect, it } from 'vitest'

const RUN = fileURLToPath(new URL('./run.js', import.meta.url))
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url))
const usable = canIsolate(['net', 'mnt', 'ipc', 'uts'], probe())
if (!usable.ok) console.log(`skipping the end-to-end benchmark run: ${usable.kind} namespaces are not usable here (${usable.reason})`)

describe('run.js --quick', () => {
  it.skipIf(!usable.ok)('prints the window table, writes JSON, Markdown and SVG, and leaves nothing behind', () => {
    const before = { ids: namespaceIds('self'), host: hostname(), mounts: readFileSync('/proc/self/mountinfo', 'utf8') }
    const run = spawnSync(process.execPath, [RUN, '--quick', '--only=windows'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toContain('1. Isolation window: microseconds per window')
    expect(run.stdout).toContain('default set (lo up, hostname, tmpfs) *')

    const results = JSON.parse(readFileSync(`${RESULTS}quick.json`, 'utf8'))
    expect(results.mode).toBe('quick')
    const config = results.sections.windows.configs.find((c) => c.name === 'default')
    expect(config.core.median).toBeGreaterThan(0)
    if (!results.tools.cFloor.skipped) expect(config.ratioToC.median).toBeGreaterThan(0)
    expect(results.targets.find((t) => t.id === 'window').met).not.toBeUndefined()
    expect(readFileSync(`${RESULTS}quick.md`, 'utf8')).toContain('| default set (lo up, hostname, tmpfs) * |')
    expect(readFileSync(`${RESULTS}quick-chart.svg`, 'utf8')).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)

    expect({ ids: namespaceIds('self'), host: hostname(), mounts: readFileSync('/proc/self/mountinfo', 'utf8') }).toEqual(before)
  })

  it('measures the renewal section both ways against the C floor, and leaves nothing behind', () => {
    const userBefore = spawnSync('id', ['-u', 'isolane-bench']).status === 0
    const before = { ids: namespaceIds('self'), host: hostname(), mounts: readFileSync('/proc/self/mountinfo', 'utf8') }
    const run = spawnSync(process.execPath, [RUN, '--quick', '--only=renewal'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toContain('5. Renewal of a reused worker, and the leftovers check')

    const { ways } = JSON.parse(readFileSync(`${RESULTS}quick.json`, 'utf8')).sections.renewal
    const root = process.getuid?.() === 0
    expect(ways.map((w) => w.name)).toEqual(['privileged', 'userNamespace'])
    if (!root) expect(ways[0].skipped).toBe('not run as root')
    // A way may be skipped where this machine cannot take it, with the reason; never because it broke.
    for (const way of ways) expect(way.skipped ?? '').not.toMatch(/^failed/)
    for (const way of ways.filter((w) => !w.skipped)) {
      const renewal = way.costs.find((c) => c.name === 'renewal')
      expect(renewal.differenceUs.n).toBe(3)
      expect(renewal.callUs.median).toBeGreaterThan(0)
      if (renewal.cUs) expect(renewal.cUs.n).toBe(30)
    }
    for (const way of ways.filter((w) => w.skipped)) console.log(`renewal section, ${way.label}: skipped: ${way.skipped}`)
    if (!ways[0].skipped) expect(readFileSync(`${RESULTS}quick.md`, 'utf8')).toContain('| privileged way (root), as root | a task, no renewal, no check (the baseline) |')

    expect({ ids: namespaceIds('self'), host: hostname(), mounts: readFileSync('/proc/self/mountinfo', 'utf8') }).toEqual(before)
    expect(spawnSync('id', ['-u', 'isolane-bench']).status === 0).toBe(userBefore)
  })

  it('rejects an unknown section before running anything', () => {
    const run = spawnSync(process.execPath, [RUN, '--only=windws'], { encoding: 'utf8' })
    expect(run.status).toBe(2)
    expect(run.stderr).toContain('unknown section "windws"')
  })
})
