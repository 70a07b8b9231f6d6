// The README's option table, written from core's option table (packages/core/src/option-table.ts),
// so that the docs list exactly the options the code takes. `node scripts/options-doc.js` (after the
// build) rewrites the README's table; test/options-doc.test.ts fails while the README differs.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const README = fileURLToPath(new URL('../README.md', import.meta.url))
export const BEGIN = '<!-- options: written by scripts/options-doc.js from packages/core/src/option-table.ts -->'
export const END = '<!-- /options -->'

const TYPES = { boolean: 'boolean', string: 'string', kinds: 'kinds', paths: 'paths', binds: '`{ source, target, readOnly? }`s', plugins: 'plugins', milliseconds: 'ms' }

/** The markdown table of `options` (core's OPTIONS), one row an option. */
export function renderOptionTable(options) {
  const rows = Object.entries(options).map(([name, spec]) => [
    `\`${name}\``,
    spec.type === 'choice' ? spec.choices.map((choice) => `\`${choice}\``).join(', ') : TYPES[spec.type],
    spec.defaultText,
    spec.needs.join(', '),
    spec.perFile === true ? 'yes' : 'no',
    cliFlags(spec.cli),
    spec.mocha ? `\`${spec.mocha.flag}\`` : '',
    spec.description,
  ])
  const header = ['option', 'takes', 'default', 'needs', 'per file', '`isolane run`', 'isolane-mocha', 'what it does']
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`).join('\n')
}

function cliFlags(cli) {
  if (cli === undefined) return ''
  if ('kindFlags' in cli) return Object.keys(cli.kindFlags).map((flag) => `\`--${flag}\``).join(' ')
  return `\`--${cli.flag}${cli.value ? ` ${cli.value}` : ''}\``
}

/** `readme` with the text between the markers replaced by `table`. */
export function withOptionTable(readme, table) {
  const begin = readme.indexOf(BEGIN)
  const end = readme.indexOf(END)
  if (begin === -1 || end < begin) throw new Error(`README.md has no ${BEGIN} ... ${END} section`)
  return `${readme.slice(0, begin + BEGIN.length)}\n${table}\n${readme.slice(end)}`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { OPTIONS } = await import('../packages/core/dist/option-table.js')
  writeFileSync(README, withOptionTable(readFileSync(README, 'utf8'), renderOptionTable(OPTIONS)))
}
