// `pnpm build`: compiles every package (tsc -b), then makes each script a worker loads before the
// user's code one self-contained CommonJS file: core's preload and exec entry, core's worker part
// (`@isolane/core/worker`) and the Vitest pool's agent. Compiled as written, they pull core's ES
// modules in through require(esm): starting Node's ESM loader for them cost a fresh worker 16 ms
// (benchmarks, section 2c), the agent's whole core 25-30 ms of CPU; bundled, a few ms. koffi stays
// outside, loaded on first use. And `@isolane/core` itself, and `@isolane/core/internal` as the
// runners' main processes load it (isolane-mocha, the Vitest pool in Vitest's process): one ES
// module each in core's dist/, beside the modules it is made of, so that its paths relative to
// itself (entry scripts, koffi) hold; its 30-odd modules cost a run's start about 25 ms of CPU,
// bundled a few. `@isolane/core` re-exports the public part of `@isolane/core/internal`. The same
// for `@isolane/pool` (its host part). This script is the build: `tsc -b` alone makes none of
// `@isolane/core`, `@isolane/core/internal`, `@isolane/core/worker` and `@isolane/pool`.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { builtinModules, createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { rolldown } from 'rolldown'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** The scripts a worker loads first, from their sources, over what tsc wrote for them. */
const WORKER_ENTRIES = [
  ...['child-setup', 'exec'].map((name) => ({ source: `packages/core/src/entry/${name}.cts`, output: `packages/core/dist/entry/${name}.cjs` })),
  // `@isolane/core/worker`: what a pool's worker needs of core in itself, and only that.
  { source: 'packages/core/src/entry/worker.ts', output: 'packages/core/dist/entry/worker.cjs' },
  // `@isolane/pool`'s worker entry, which tinypool loads in every worker (isolane-mocha's among them).
  { source: 'packages/pool/src/worker/task-entry.ts', output: 'packages/pool/dist/worker/task-entry.cjs' },
  // The Vitest pool's agent, preloaded into every worker: its own modules inlined, core/worker outside.
  { source: 'packages/vitest/src/worker/agent.cts', output: 'packages/vitest/dist/worker/agent.cjs' },
]
/**
 * `@isolane/core/internal` (package.json "exports"): one ES module, loaded by the host processes of
 * isolane's own packages: the public API and what those packages need besides. `@isolane/core`
 * re-exports the public names of it (PUBLIC_ENTRY), so that a process that loads both (a user's
 * code beside a runner) holds one copy of core and its state (the filesystem context split, the
 * way chosen, the notes already said).
 */
const HOST_ENTRY = { source: 'packages/core/src/internal.ts', output: 'packages/core/dist/internal.bundle.js' }
const PUBLIC_ENTRY = { source: 'packages/core/src/index.ts', output: 'packages/core/dist/index.bundle.js' }
/**
 * `@isolane/pool` as the runners' main processes load it (isolane-mocha, the Jest runner, the
 * Vitest pool in Vitest's process): one ES module, in dist/host/ beside the modules it is made of,
 * whose paths relative to itself (the workers' entry in dist/worker/) it keeps. Its 15 modules cost
 * a run's start about 15 ms of CPU through Node's ESM loader, bundled 4. core and tinypool stay
 * outside: one copy of each per process.
 */
const POOL_HOST_ENTRY = { source: 'packages/pool/src/index.ts', output: 'packages/pool/dist/host/index.bundle.js' }
/** The first line of a bundled entry; test/bundles.test.ts checks the built ones carry it. */
const BUNDLED_MARK = '// isolane: bundled by scripts/build.js'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const compiled = spawnSync(process.execPath, [tsc, '-b', ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' })
if (compiled.status !== 0) process.exit(compiled.status ?? 1)

const external = ['koffi', '@isolane/core/worker', ...builtinModules, ...builtinModules.map((name) => `node:${name}`)]
// From the sources every time: tsc rewrites an entry only when the entry itself changed, not the
// modules it pulls in. Imports name './x.js' for the source './x.ts', as TypeScript's do.
const resolve = { extensionAlias: { '.js': ['.ts', '.js'] } }
for (const { source, output } of WORKER_ENTRIES) {
  const bundle = await rolldown({ input: `${ROOT}/${source}`, platform: 'node', external, resolve, logLevel: 'warn' })
  const { output: chunks } = await bundle.generate({ format: 'cjs', sourcemap: false })
  await bundle.close()
  if (chunks.length !== 1) throw new Error(`bundling ${source} gave ${chunks.length} files, expected one`)
  writeFileSync(`${ROOT}/${output}`, `${BUNDLED_MARK} from ${source}: one file, so that a child loads it without the ESM loader.\n${chunks[0].code}`)
}
{
  const { source, output } = HOST_ENTRY
  const bundle = await rolldown({ input: `${ROOT}/${source}`, platform: 'node', external, resolve, logLevel: 'warn' })
  const { output: chunks } = await bundle.generate({ format: 'esm', sourcemap: false })
  await bundle.close()
  if (chunks.length !== 1) throw new Error(`bundling ${source} gave ${chunks.length} files, expected one`)
  writeFileSync(`${ROOT}/${output}`, `${BUNDLED_MARK} from ${source}: one module, loaded at a run's start.\n${chunks[0].code}`)
}
{
  const { source, output } = POOL_HOST_ENTRY
  const bundle = await rolldown({ input: `${ROOT}/${source}`, platform: 'node', external: [...external, '@isolane/core/internal', 'tinypool'], resolve, logLevel: 'warn' })
  const { output: chunks } = await bundle.generate({ format: 'esm', sourcemap: false })
  await bundle.close()
  if (chunks.length !== 1) throw new Error(`bundling ${source} gave ${chunks.length} files, expected one`)
  writeFileSync(`${ROOT}/${output}`, `${BUNDLED_MARK} from ${source}: one module, loaded at a run's start.\n${chunks[0].code}`)
}
{
  // Bundled only to learn its export names: the file written names them from the internal bundle.
  const { source, output } = PUBLIC_ENTRY
  const bundle = await rolldown({ input: `${ROOT}/${source}`, platform: 'node', external, resolve, logLevel: 'warn' })
  const { output: chunks } = await bundle.generate({ format: 'esm', sourcemap: false })
  await bundle.close()
  const names = chunks[0].exports.toSorted()
  const from = `./${HOST_ENTRY.output.split('/').pop()}`
  writeFileSync(`${ROOT}/${output}`, `${BUNDLED_MARK} from ${source}: its public names, of the one copy of core in ${from}.\nexport { ${names.join(', ')} } from "${from}";\n`)
}
