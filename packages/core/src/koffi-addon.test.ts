// koffi's native addon, loaded straight from its platform package (koffi's own lookup costs a
// process 6 ms): the file must be the one koffi's index picks, in a fresh process as isolane's
// packages load core (its bundle in dist/, as the runners do).
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const internal = join(import.meta.dirname, '../dist/internal.bundle.js')

describe("koffi's addon", () => {
  it("is found beside koffi, without koffi's lookup, and is the file koffi's own lookup loads", () => {
    const script = `
      import { realpathSync } from 'node:fs'
      import { createRequire } from 'node:module'
      const { koffiAddonPath } = await import(${JSON.stringify(internal)})
      const found = koffiAddonPath()
      const require = createRequire(${JSON.stringify(internal)})
      const loadedByKoffi = Object.keys(require.cache).some((path) => path.endsWith('koffi.node'))
      require('koffi')
      const koffis = Object.keys(require.cache).find((path) => path.endsWith('koffi.node'))
      console.log(JSON.stringify({ found, loadedByKoffi, same: realpathSync(found) === realpathSync(koffis) }))`
    const answer = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { found: string; loadedByKoffi: boolean; same: boolean }
    expect(answer.found).toContain(join('@koromix', `koffi-${process.platform}-${process.arch}`))
    expect(answer.loadedByKoffi).toBe(false)
    expect(answer.same).toBe(true)
  })
})
