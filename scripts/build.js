// `pnpm build`: compiles every package (tsc -b), then makes each script a worker loads before the
// user's code one self-contained CommonJS file: core's preload and exec entry, core's worker part
// (`@isolane/core/worker`) and the Vitest pool's agent. Compiled as written, they pull core's ES
// modules in through require(esm): starting Node's ESM loader for them cost a fresh worker 16 ms
// (benchmarks, section 2c), the agent's whole core 25-30 ms of CPU; bundled, a few ms. koffi stays
// outside, loaded on first use. And `@isolane/core` itself, and `@isolane/core/internal` as the
// runners' main processes load it (isolane-mocha, the Vitest pool in Vitest's process): one ES
// module each in core's dist/, beside the modules it is made of, so that its paths relative to
// itself (entry scripts, koffi) hold; its 30-odd modules cost a run's start about 25 ms of CPU,
// bundled a few. This script is the build: `tsc -b`
// alone makes none of `@isolane/core`, `@isolane/core/internal` and `@isolane/core/worker`.
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
 * `@isolane/core` and `@isolane/core/internal` (package.json "exports"): ES modules, loaded by the
 * host processes. Each is whole: `/internal` holds the public API too, and isolane's own packages
 * load core from it alone, so that a process holds one copy of core's state.
 */
const HOST_ENTRIES = [
  { source: 'packages/core/src/index.ts', output: 'packages/core/dist/index.bundle.js' },
  { source: 'packages/core/src/internal.ts', output: 'packages/core/dist/internal.bundle.js' },
]
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
for (const { source, output } of HOST_ENTRIES) {
  const bundle = await rolldown({ input: `${ROOT}/${source}`, platform: 'node', external, resolve, logLevel: 'warn' })
  const { output: chunks } = await bundle.generate({ format: 'esm', sourcemap: false })
  await bundle.close()
  if (chunks.length !== 1) throw new Error(`bundling ${source} gave ${chunks.length} files, expected one`)
  writeFileSync(`${ROOT}/${output}`, `${BUNDLED_MARK} from ${source}: one module, loaded at a run's start.\n${chunks[0].code}`)
}
