#!/usr/bin/env node
// Section 5 of `pnpm bench` alone: what renewal between tasks and the leftovers check cost a reused
// worker, against the C floor of a renewal, the privileged way and the user-namespace way (as root:
// as a user made for it). Prints the section's table and writes nothing; to keep the numbers in
// results/latest.*, run `node benchmarks/run.js --only=renewal --merge`. benchmarks/README.md,
// section 5, says what is measured.
// Usage: node benchmarks/renewal-cost.js [--quick]
import { probe } from '@isolane/core'
import { buildCFloor } from './lib/c-floor.js'
import { benchRenewal } from './lib/renewal.js'
import { renewalTable } from './lib/report/tables.js'
import { renderTerminal } from './lib/report/terminal.js'

const args = process.argv.slice(2)
if (args.some((a) => a !== '--quick')) {
  process.stderr.write('usage: node benchmarks/renewal-cost.js [--quick]\n')
  process.exit(2)
}
const cFloor = buildCFloor()
if (cFloor.skipped) process.stderr.write(`  C floor: skipped: ${cFloor.skipped}\n`)
const section = await benchRenewal({ mode: { quick: args.includes('--quick') }, probe: probe(), cFloor, log: (m) => process.stderr.write(`${m}\n`) })
process.stdout.write(`${renderTerminal([renewalTable(section, { cFloor })])}\n`)
