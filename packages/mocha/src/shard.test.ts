// The split of `--shard`, against Vitest's own (BaseSequencer.shard): the same files on the same
// machine of a CI matrix, whichever runner runs them.
import { join } from 'node:path'
import { BaseSequencer } from 'vitest/node'
import { describe, expect, it } from 'vitest'
import { isIsolaneError } from '@isolane/core/internal'
import { parseShard, selectShard, shardRange } from './shard.js'

const root = '/work/project'
const files = ['a.spec.js', 'b.spec.js', 'c.spec.js', 'lib/d.spec.js', 'lib/e.spec.js', 'lib/deep/f.spec.js', 'g.spec.js', 'h.spec.js', 'i.spec.js', 'j.spec.js', 'k.spec.js'].map((file) => join(root, 'test', file))

describe('parseShard', () => {
  it('reads <index>/<count>', () => {
    expect(parseShard('1/3')).toEqual({ index: 1, count: 3 })
    expect(parseShard('3/3')).toEqual({ index: 3, count: 3 })
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 })
  })

  it.each([
    ['0/3', /not "0\/3": shards are numbered from 1\. To fix: give each of N machines one of --shard=1\/N \.\.\. --shard=N\/N/],
    ['4/3', /not "4\/3": there are only 3 shards\./],
    ['2/1', /there is only 1 shard\./],
    ['1/0', /the count must be 1 or more/],
    ['a/b', /^Option --shard takes <index>\/<count> with 1 <= index <= count, as Vitest's --shard does, not "a\/b": index and count are whole numbers\./],
    ['-1/3', /not "-1\/3"/],
    ['1.5/3', /not "1\.5\/3"/],
    ['3', /not "3"/],
    ['', /not ""/],
  ])('refuses %j, naming the flag and saying what to write', (value, message) => {
    let thrown: unknown
    try {
      parseShard(value)
    } catch (error) {
      thrown = error
    }
    expect(isIsolaneError(thrown) && thrown.code).toBe('ISOLANE_MOCHA_USAGE')
    expect((thrown as Error).message).toMatch(message)
  })
})

describe('shardRange', () => {
  it('cuts any number of files into consecutive runs that differ by one file at most, the longer first', () => {
    for (let total = 1; total <= 12; total++) {
      for (let count = 1; count <= total; count++) {
        const ranges = Array.from({ length: count }, (_, i) => shardRange(total, { index: i + 1, count }))
        expect(ranges[0]![0]).toBe(0)
        expect(ranges.at(-1)![1]).toBe(total)
        for (let i = 1; i < count; i++) expect(ranges[i]![0]).toBe(ranges[i - 1]![1])
        const sizes = ranges.map(([start, end]) => end - start)
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
        expect(sizes).toEqual([...sizes].sort((a, b) => b - a))
      }
    }
  })
})

describe('selectShard', () => {
  it('for n = 1..4, puts every file in exactly one of the n shards, whatever order the files come in', () => {
    const reversed = [...files].reverse()
    for (let count = 1; count <= 4; count++) {
      const shards = Array.from({ length: count }, (_, i) => selectShard(files, { index: i + 1, count }, root))
      expect(shards.flat().sort(), `n = ${count}`).toEqual([...files].sort())
      expect(new Set(shards.flat()).size).toBe(files.length)
      for (const [i, shard] of shards.entries()) {
        expect(shard.length).toBeGreaterThan(0)
        // The same set from another order, and in the order given.
        expect(selectShard(reversed, { index: i + 1, count }, root)).toEqual([...shard].reverse())
        expect(shard).toEqual(files.filter((file) => shard.includes(file)))
      }
    }
  })

  it('depends on the paths from the root, not on where the checkout is', () => {
    const elsewhere = files.map((file) => file.replace(root, '/home/ci/checkout'))
    for (let index = 1; index <= 3; index++) {
      expect(selectShard(elsewhere, { index, count: 3 }, '/home/ci/checkout').map((file) => file.replace('/home/ci/checkout', root))).toEqual(selectShard(files, { index, count: 3 }, root))
    }
  })

  it('chooses the files Vitest\'s --shard chooses', async () => {
    for (let count = 1; count <= 4; count++) {
      for (let index = 1; index <= count; index++) {
        const sequencer = new BaseSequencer({ config: { root, shard: { index, count } } } as never)
        const vitests = (await sequencer.shard(files.map((moduleId) => ({ moduleId })) as never)) as unknown as Array<{ moduleId: string }>
        expect(selectShard(files, { index, count }, root).sort(), `--shard=${index}/${count}`).toEqual(vitests.map((spec) => spec.moduleId).sort())
      }
    }
  })

  it('refuses more shards than files, as Vitest does: some would run nothing', () => {
    expect(() => selectShard(files.slice(0, 3), { index: 1, count: 4 }, root)).toThrow(
      /^--shard=1\/4 splits the spec files into 4 shards, but only 3 spec files were found, so some shards would run nothing \(Vitest refuses this too\)\. To fix: split into at most 3 shards/,
    )
  })
})
