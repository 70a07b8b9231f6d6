// `--shard=<index>/<count>`: the spec files one CI machine of `count` runs, split as Vitest's
// `--shard` splits them (BaseSequencer.shard in vitest/node): the files sorted by the SHA-1 of their
// path relative to the root ('/' + the relative path, with '/'), then cut into `count` runs of
// consecutive files, the first (files % count) of them one file longer. The split depends on the
// paths only, not on the order the shell or the glob lists them, so every file is in exactly one
// shard on machines that check out the same tree, and Vitest and isolane-mocha split alike.
import { createHash } from 'node:crypto'
import { relative, sep } from 'node:path'
import { badShard, shardCountOverFiles } from './errors.js'

export interface Shard {
  /** From 1 to `count`. */
  readonly index: number
  readonly count: number
}

/** Reads `<index>/<count>` (two whole numbers, 1 <= index <= count), or throws what to write. */
export function parseShard(value: unknown): Shard {
  const match = typeof value === 'string' ? /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value) : null
  if (!match) throw badShard(value, 'index and count are whole numbers')
  const index = Number(match[1])
  const count = Number(match[2])
  if (count === 0) throw badShard(value, 'the count must be 1 or more')
  if (index === 0 || index > count) throw badShard(value, index === 0 ? 'shards are numbered from 1' : `there ${count === 1 ? 'is only 1 shard' : `are only ${count} shards`}`)
  return { index, count }
}

/**
 * The shard's files, in the order given (Mocha's). Throws when there are fewer files than shards,
 * as Vitest does: a shard would be empty, which is a mistake in the CI matrix, not a pass.
 */
export function selectShard(files: readonly string[], shard: Shard, root: string): string[] {
  if (shard.count > files.length) throw shardCountOverFiles(shard, files.length)
  const [start, end] = shardRange(files.length, shard)
  const chosen = new Set(
    files
      .map((file) => ({ file, hash: createHash('sha1').update(`/${relative(root, file).split(sep).join('/')}`).digest('hex') }))
      .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0))
      .slice(start, end)
      .map(({ file }) => file),
  )
  return files.filter((file) => chosen.has(file))
}

/** [start, end) of shard `index` among `total` files: sizes differ by one at most, the longer first (Vitest's calculateShardRange). */
export function shardRange(total: number, { index, count }: Shard): [number, number] {
  const base = Math.floor(total / count)
  const longer = total % count
  if (index <= longer) return [(base + 1) * (index - 1), (base + 1) * index]
  const start = longer * (base + 1) + (index - longer - 1) * base
  return [start, start + base]
}
