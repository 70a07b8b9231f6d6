// The README's option table is core's option table (packages/core/src/option-table.ts), written out
// by scripts/options-doc.js: a new or changed option fails here until the README says it too.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { OPTIONS } from '../packages/core/src/option-table.js'
import { README, renderOptionTable, withOptionTable } from '../scripts/options-doc.js'

describe("the README's option table", () => {
  it('lists every option as the option table has it (to update it: node scripts/build.js && node scripts/options-doc.js)', () => {
    const readme = readFileSync(README, 'utf8')
    expect(readme).toBe(withOptionTable(readme, renderOptionTable(OPTIONS)))
  })
})
