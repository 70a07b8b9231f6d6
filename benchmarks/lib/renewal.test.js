import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { canIsolate, chooseWay, createPlan, probe } from '@isolane/core'
import { describe, expect, it } from 'vitest'
import { buildCFloor } from './c-floor.js'
import { renewalGroup } from './report/chart.js'
import { renewalTable } from './report/tables.js'
import { checkLooks, renewalSpecs, summarizeRenewal } from './renewal.js'
import { VARIANTS } from './renewal-variants.js'

const plan = createPlan({ hostname: 'bench-{workerId}' }, { workerId: 1 })

// Two rounds of three tasks each: a renewal adds 500 us to a task (600 after a file left in /tmp),
// the leftovers check 2 us; the core's call takes 400 (500); the C floor renews in 250 (300).
const task = (base) => [base, base + 10, base + 20]
const round = (base) => ({
  plain: task(base),
  checked: task(base + 2),
  renewed: task(base + 500),
  plainLeft: task(base + 5),
  renewedLeft: task(base + 605),
  call: { untouched: [390, 400, 410], left: [490, 500, 510] },
  c: { untouched: [240, 250, 260], left: [290, 300, 310] },
})
const rounds = [round(100), round(200)]

describe('the renewal section', () => {
  it('writes the C floor\'s renewal specs from the worker\'s own plan, with a task leaving a file in /tmp', () => {
    const [untouched, left] = renewalSpecs(plan)
    expect(untouched).toBe(`untouched:kinds=${plan.kinds.join(',')};private;lo;hostname=bench-1;tmpfs=/tmp;tmpfs=/dev/shm${plan.steps.some((s) => s.op === 'mqueue') ? ';mqueue=/dev/mqueue' : ''}`)
    expect(left).toBe(`${untouched.replace(/^untouched/, 'left')};left=/tmp`)
    expect(renewalSpecs(createPlan({ tmpfs: ['/dev/shm'] }))).toHaveLength(1)
  })

  it('takes each cost as the paired difference per round, and sets it and the core\'s call against the C floor of the same round', () => {
    const { variants, costs } = summarizeRenewal(rounds)
    expect(variants.map((v) => v.name)).toEqual(VARIANTS.map((v) => v.name))
    expect(variants.find((v) => v.name === 'plain').perTaskUs).toMatchObject({ n: 6, median: 160 })
    const renewal = costs.find((c) => c.name === 'renewal')
    expect(renewal).toMatchObject({ rounds: 2, differenceUs: { median: 500, p10: 500, p90: 500 }, callUs: { median: 400 }, cUs: { median: 250 }, ratioToC: { median: 2 }, overCUs: { median: 250 }, callRatioToC: { median: 1.6 } })
    expect(renewal.taskRatio.median).toBeCloseTo((610 / 110 + 710 / 210) / 2, 2)
    expect(costs.find((c) => c.name === 'renewalLeft')).toMatchObject({ differenceUs: { median: 600 }, callUs: { median: 500 }, ratioToC: { median: 2 } })
    const check = costs.find((c) => c.name === 'leftoversCheck')
    expect(check).toMatchObject({ differenceUs: { median: 2 } })
    expect(check.cUs).toBeUndefined()
    expect(check.ratioToC).toBeUndefined()
  })

  it('has no C columns for a run without the C floor', () => {
    const { costs } = summarizeRenewal(rounds.map((r) => ({ ...r, c: null })))
    expect(costs.find((c) => c.name === 'renewal')).toMatchObject({ differenceUs: { median: 500 }, callUs: { median: 400 } })
    expect(costs.find((c) => c.name === 'renewal').ratioToC).toBeUndefined()
  })

  it('checks that each variant\'s worker did what it says', () => {
    const good = { plain: { netRenewed: false, fileKept: null }, checked: { netRenewed: false, fileKept: null }, renewed: { netRenewed: true, fileKept: null }, plainLeft: { netRenewed: false, fileKept: true }, renewedLeft: { netRenewed: true, fileKept: false } }
    expect(checkLooks(good)).toBeNull()
    expect(checkLooks({ ...good, renewed: { netRenewed: false } })).toBe('the renewed variant\'s tasks ran in the same net namespace')
    expect(checkLooks({ ...good, renewedLeft: { netRenewed: true, fileKept: true } })).toBe('the renewedLeft variant\'s task found the file the task before left in /tmp')
    expect(checkLooks({ plain: good.plain })).toBe('no warm-up result for the checked variant')
  })

  it('renders a row per cost and way, a skipped way with its reason, and chart bars without a target', () => {
    const summary = summarizeRenewal(rounds)
    const section = { settings: { rounds: 2, tasks: 3 }, isolation: ['bring lo up'], ways: [{ name: 'privileged', label: 'privileged way (root)', runAs: 'root', ...summary }, { name: 'userNamespace', label: 'user-namespace way (no root)', skipped: 'useradd is not installed' }] }
    const table = renewalTable(section, { cFloor: { binary: '/x' } })
    expect(table.rows[0]).toEqual(['privileged way (root), as root', 'a task, no renewal, no check (the baseline)', '160 [105-215]', '-', '-', '-', '-', '-'])
    expect(table.rows[1].slice(1, 7)).toEqual(['renewal, /tmp left untouched (tmpfs kept)', '500 [500-500]', '400 [390-410]', '250 [240-260]', '2x [2-2]', '1.6x [1.6-1.6]'])
    expect(table.rows.at(-1)).toEqual(['user-namespace way (no root)', 'skipped', 'useradd is not installed', '', '', '', '', ''])
    expect(table.note).toContain('No target')
    expect(renewalTable({ skipped: 'not built' })).toMatchObject({ note: 'skipped: not built', rows: [] })
    const bars = renewalGroup(section).bars
    expect(bars.map((b) => b.label)).toEqual(['root: renewal per task, /tmp kept / C', 'root: renewIsolation(), /tmp kept / C', 'root: renewal per task, fresh /tmp / C', 'root: renewIsolation(), fresh /tmp / C', 'root: leftovers check, task with / without'])
    expect(bars.every((b) => b.target === undefined)).toBe(true)
  })
})

// The C floor's renewal mode, for real: a worker set up once, then renewals. The privileged way
// needs root; the user-namespace way needs what isolane's needs without root.
const cFloor = buildCFloor()
const usable = canIsolate(plan.kinds, probe())
const userWay = chooseWay(createPlan({ hostname: 'bench-{workerId}', way: 'user-namespace' }))
const why = {
  privileged: cFloor.skipped ?? (process.getuid?.() !== 0 ? 'not root' : !usable.ok ? `${usable.kind}: ${usable.reason}` : null),
  userNamespace: cFloor.skipped ?? (userWay.ok ? null : userWay.error.message),
}
for (const [way, reason] of Object.entries(why)) if (reason) console.log(`skipping the C floor's renewal mode, ${way} way: ${reason}`)

describe('ns-window --renew', () => {
  it.skipIf(why.privileged)('renews as often as asked and prints each renewal\'s time (the privileged way)', () => renews([]))
  it.skipIf(why.userNamespace)('renews as often as asked and prints each renewal\'s time (the user-namespace way)', () => renews(['--user-namespace']))

  function renews(flags) {
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    const run = spawnSync(cFloor.binary, ['--renew', ...flags, '-w1', '3', ...renewalSpecs(plan)], { encoding: 'utf8' })
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    const { renewals } = JSON.parse(run.stdout)
    expect(renewals.map((r) => r.name)).toEqual(['untouched', 'left'])
    for (const r of renewals) {
      expect(r.us).toHaveLength(3)
      for (const us of r.us) expect(us).toBeGreaterThan(0)
    }
    // Its namespaces and mounts went with it.
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toBe(mounts)
  }

  it.skipIf(cFloor.skipped)('refuses --user-namespace without --renew', () => {
    const run = spawnSync(cFloor.binary, ['--user-namespace', '1', renewalSpecs(plan)[0]], { encoding: 'utf8' })
    expect(run.status).toBe(2)
    expect(run.stderr).toContain('--user-namespace goes with --renew')
  })
})
