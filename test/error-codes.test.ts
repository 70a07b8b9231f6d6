// Every ISOLANE_* code is in one list, core's ERROR_CODES. The compiler refuses an IsolaneError
// with a code that is not there; this also catches the codes written where the compiler does not
// look (plain objects sent between processes, warnings), codes no longer given, and the README's
// list drifting from the registry.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ERROR_CODES } from '@isolane/core'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')

/** The source files of every package, tests left out. */
function sources(): Array<{ path: string; text: string }> {
  const files: Array<{ path: string; text: string }> = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (/\.[cm]?ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) files.push({ path, text: readFileSync(path, 'utf8') })
    }
  }
  for (const pkg of readdirSync(join(root, 'packages'))) walk(join(root, 'packages', pkg, 'src'))
  return files
}

/** The ISOLANE_* literals of the source that are codes: environment variables (`*_ENV`, `*_VARIABLE` constants) are not. */
function codesInSource(): Map<string, string[]> {
  const found = new Map<string, string[]>()
  for (const { path, text } of sources()) {
    const variables = new Set([...text.matchAll(/_(?:ENV|VARIABLE)\s*=\s*'(ISOLANE_[A-Z_]+)'/g)].map((m) => m[1]))
    for (const [, code] of text.matchAll(/['"`](ISOLANE_[A-Z_]+)['"`]/g)) {
      if (code === undefined || variables.has(code)) continue
      found.set(code, [...(found.get(code) ?? []), path.slice(root.length + 1)])
    }
  }
  return found
}

/** The README's table of codes, as the registry renders it. */
function readmeTable(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, entry]) => `| \`${code}\` | ${entry.meaning} | ${'fix' in entry ? entry.fix : ''} |`)
  return ['| code | what it means | what to do |', '|---|---|---|', ...rows].join('\n')
}

describe('the registry of error codes', () => {
  const inSource = codesInSource()

  it('has every ISOLANE_* code the packages give', () => {
    const unregistered = [...inSource].filter(([code]) => !Object.hasOwn(ERROR_CODES, code)).map(([code, where]) => `${code} (${where.join(', ')})`)
    expect(unregistered).toEqual([])
  })

  it('has no code the packages no longer give', () => {
    // The registry's keys are not quoted: a code found quoted is given somewhere.
    const unused = Object.keys(ERROR_CODES).filter((code) => !inSource.has(code))
    expect(unused).toEqual([])
  })

  it('is the README\'s list of codes, row for row', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const start = readme.indexOf('| code | what it means | what to do |')
    expect(start, 'README.md has a table of error codes').toBeGreaterThan(-1)
    const end = readme.indexOf('\n\n', start)
    expect(readme.slice(start, end === -1 ? undefined : end)).toBe(readmeTable())
  })
})
