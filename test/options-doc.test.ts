// The docs say what core's option table (packages/core/src/option-table.ts) says. The README's
// option table is written from it by scripts/options-doc.js: a new or changed option fails here
// until the README says it too. The adapters' READMEs describe the options in their own words:
// each must at least list every option its adapter takes.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ISOLATION_OPTION_NAMES, OPTIONS, RUN_OPTION_NAMES } from '../packages/core/src/option-table.js'
import { README, renderOptionTable, withOptionTable } from '../scripts/options-doc.js'

const packageReadme = (name: string) => readFileSync(join(import.meta.dirname, '..', 'packages', name, 'README.md'), 'utf8')

describe("the README's option table", () => {
  it('lists every option as the option table has it (to update it: node scripts/build.js && node scripts/options-doc.js)', () => {
    const readme = readFileSync(README, 'utf8')
    expect(readme).toBe(withOptionTable(readme, renderOptionTable(OPTIONS)))
  })
})

describe("the adapters' READMEs", () => {
  it.each([
    ['jest', [...ISOLATION_OPTION_NAMES, ...RUN_OPTION_NAMES]],
    // Vitest's own `isolate` says whether workers are reused.
    ['vitest', [...ISOLATION_OPTION_NAMES, ...RUN_OPTION_NAMES.filter((name) => name !== 'reuseWorkers')]],
  ])('%s: a row for every option the adapter takes', (name, options) => {
    const readme = packageReadme(name)
    expect(options.filter((option) => !readme.includes(`| \`${option}\` |`))).toEqual([])
  })

  it('mocha: every option as its config key, and every --isolane-* flag (or its --isolane-no- form)', () => {
    const readme = packageReadme('mocha')
    expect([...ISOLATION_OPTION_NAMES, ...RUN_OPTION_NAMES].filter((option) => !readme.includes(`\`${option}: `))).toEqual([])
    const flags = Object.values(OPTIONS).flatMap((spec) => (spec.mocha ? [spec.mocha.flag] : []))
    expect(flags.filter((flag) => !readme.includes(`\`${flag}`) && !readme.includes(`\`${flag.replace('--isolane-', '--isolane-no-')}`))).toEqual([])
  })
})
