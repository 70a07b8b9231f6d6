// What the Vitest pool uses of Vitest beyond its public pool interface (packages/vitest/src/vitest-seams.ts)
// must be in the Vitest installed: checked on a real Vitest instance, so that an upgrade that
// removes one fails here, by name, instead of in a user's run.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createVitest } from 'vitest/node'
import { missingSeams } from '../packages/vitest/src/vitest-seams.js'

describe("the Vitest internals the pool relies on", () => {
  it('are all there in the installed Vitest', async () => {
    const vitest = await createVitest('test', { root: join(import.meta.dirname, '../fixtures/vitest/binds-port-3000'), watch: false, reporters: [] })
    try {
      expect(vitest.projects.length).toBeGreaterThan(0)
      expect(missingSeams(vitest.projects[0]!)).toEqual([])
    } finally {
      await vitest.close()
    }
  })
})
