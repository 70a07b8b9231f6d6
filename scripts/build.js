// `pnpm build`: compiles every package (tsc -b), then bundles what a process loads at its start:
// - each script a worker loads before the user's code, one self-contained CommonJS file: core's
//   preload and exec entry, core's worker part (`@isolane/core/worker`) and the Vitest pool's agent;
//   and the pool's worker entry, one ES module (tinypool import()s it). Compiled as written, they pull core's ES modules in through
//   require(esm): starting Node's ESM loader for them cost a fresh worker 16 ms (benchmarks, section
//   2c), the agent's whole core 25-30 ms of CPU; bundled, a few ms. koffi stays outside, loaded on
//   first use.
// - what the runners' main processes load (HOST_ENTRIES): one ES module each.
// This script is the build: `tsc -b` alone makes none of `@isolane/core`, `@isolane/core/internal`,
// `@isolane/core/worker` and `@isolane/pool`.
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
  // `@isolane/pool`'s worker entry, which tinypool import()s in every worker (isolane-mocha's among
  // them): an ES module, as a CommonJS one imported so would go through Node's CommonJS lexer.
  { source: 'packages/pool/src/worker/task-entry.ts', output: 'packages/pool/dist/worker/task-entry.bundle.js', format: 'esm' },
  // The Vitest pool's agent, preloaded into every worker: its own modules inlined, core/worker outside.
  { source: 'packages/vitest/src/worker/agent.cts', output: 'packages/vitest/dist/worker/agent.cjs' },
]
/**
 * What the runners' main processes load of isolane (isolane-mocha, the Jest runner, the Vitest pool
 * in Vitest's process), one ES module each, in the directory of the modules it is made of, so that
 * its paths relative to itself (entry scripts, koffi, the workers' entries) hold. Through Node's ESM
 * loader each module costs a run's start 1-2 ms of CPU: core's 30-odd about 25 ms, the pool's 15
 * about 15, isolane-mocha's host 10 about 8; bundled, a few ms each. What another of them gives
 * stays outside (`external`), so that a process holds one copy of each and its state:
 * - `@isolane/core/internal` (package.json "exports"): the public API and what isolane's own packages
 *   need besides. `@isolane/core` re-exports the public names of it (PUBLIC_ENTRY), so that a process
 *   that loads both (a user's code beside a runner) holds one copy of core (the filesystem context
 *   split, the way chosen, the notes already said).
 * - `@isolane/pool` (its host part; tinypool outside).
 * - isolane-mocha's run (`runMocha()`, which its command and `@isolane/mocha` load), over what tsc
 *   wrote for it: the project's Mocha is loaded at run time, from the project.
 * - the Vitest pool (`@isolane/vitest`, which a Vitest config imports: its 10 modules cost the
 *   run's start about 4 ms) and the Jest runner (`@isolane/jest`), each over tsc's entry file, in
 *   the directory of the modules it is made of; Vitest's and Jest's own modules stay outside.
 */
const HOST_ENTRIES = [
  { source: 'packages/core/src/internal.ts', output: 'packages/core/dist/internal.bundle.js', external: [] },
  { source: 'packages/pool/src/index.ts', output: 'packages/pool/dist/host/index.bundle.js', external: ['@isolane/core/internal', 'tinypool'] },
  { source: 'packages/mocha/src/run.ts', output: 'packages/mocha/dist/run.js', external: ['@isolane/core/internal', '@isolane/pool'] },
  { source: 'packages/vitest/src/index.ts', output: 'packages/vitest/dist/index.js', external: ['@isolane/core/internal', 'vitest/node'] },
  { source: 'packages/jest/src/index.ts', output: 'packages/jest/dist/index.js', external: ['@isolane/core/internal', '@isolane/pool'] },
]
const [CORE_HOST_ENTRY] = HOST_ENTRIES
const PUBLIC_ENTRY = { source: 'packages/core/src/index.ts', output: 'packages/core/dist/index.bundle.js' }
/** The first line of a bundled entry; test/bundles.test.ts checks the built ones carry it. */
const BUNDLED_MARK = '// isolane: bundled by scripts/build.js'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const compiled = spawnSync(process.execPath, [tsc, '-b', ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' })
if (compiled.status !== 0) process.exit(compiled.status ?? 1)

const external = ['koffi', '@isolane/core/worker', ...builtinModules, ...builtinModules.map((name) => `node:${name}`)]
// From the sources every time: tsc rewrites an entry only when the entry itself changed, not the
// modules it pulls in. Imports name './x.js' for the source './x.ts', as TypeScript's do.
const resolve = { extensionAlias: { '.js': ['.ts', '.js'] } }

/** The source and all it imports but `external` as one chunk of `format`. */
async function bundled(source, format, moreExternal = []) {
  const bundle = await rolldown({ input: `${ROOT}/${source}`, platform: 'node', external: [...external, ...moreExternal], resolve, logLevel: 'warn' })
  const { output: chunks } = await bundle.generate({ format, sourcemap: false })
  await bundle.close()
  if (chunks.length !== 1) throw new Error(`bundling ${source} gave ${chunks.length} files, expected one`)
  return chunks[0]
}

for (const { source, output, format = 'cjs' } of WORKER_ENTRIES) {
  const { code } = await bundled(source, format)
  const why = format === 'cjs' ? 'one file, so that a child loads it without the ESM loader' : 'one module, imported by the worker'
  writeFileSync(`${ROOT}/${output}`, `${BUNDLED_MARK} from ${source}: ${why}.\n${code}`)
}
for (const { source, output, external: outside } of HOST_ENTRIES) {
  const { code } = await bundled(source, 'esm', outside)
  writeFileSync(`${ROOT}/${output}`, `${BUNDLED_MARK} from ${source}: one module, loaded at a run's start.\n${code}`)
}
{
  // Bundled only to learn its export names: the file written names them from the internal bundle.
  const { source, output } = PUBLIC_ENTRY
  const names = (await bundled(source, 'esm')).exports.toSorted()
  const from = `./${CORE_HOST_ENTRY.output.split('/').pop()}`
  writeFileSync(`${ROOT}/${output}`, `${BUNDLED_MARK} from ${source}: its public names, of the one copy of core in ${from}.\nexport { ${names.join(', ')} } from "${from}";\n`)
}
