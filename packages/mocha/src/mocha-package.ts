// Where the project's own Mocha is, and how to load its private modules. isolane-mocha runs the
// suite under the Mocha the project installed (a peer dependency), as its own `mocha` command
// would: found from the working directory, as `npx mocha` finds it, else next to this package (a
// peer dependency installed beside it). Mocha 12 renamed some of its modules from .js to .cjs;
// `load()` takes either. Used by the host (project-mocha.ts) and by every worker (entry/worker.ts), which
// gets the directory from the host so that both run the same Mocha; which of its private modules
// are loaded, and what is used of them, is mocha-internals.ts.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { mochaNotInstalled, mochaVersionUnsupported } from './errors.js'

/** The Mocha majors whose internals isolane-mocha is checked against (test/mocha-versions.test.ts). */
export const SUPPORTED_MOCHA_MAJORS = [10, 11, 12] as const
/** As in package.json's peerDependencies. */
export const SUPPORTED_MOCHA_RANGE = '^10.0.0 || ^11.0.0 || ^12.0.0'

export interface MochaPackage {
  /** The directory of the `mocha` package (its package.json). */
  readonly dir: string
  readonly version: string
  readonly major: number
  /** Requires one of Mocha's modules by its path under lib/ without extension: `cli/options`. */
  load<T>(module: string): T
}

/** The project's Mocha, seen from `cwd`; throws ISOLANE_UNSUPPORTED_VERSION when there is none, or none in the range. */
export function findMocha(cwd: string): MochaPackage {
  const packageJson = resolveFrom(join(cwd, 'package.json')) ?? resolveFrom(import.meta.url)
  if (packageJson === undefined) throw mochaNotInstalled(cwd, SUPPORTED_MOCHA_RANGE)
  const pkg = mochaAt(dirname(packageJson))
  if (!(SUPPORTED_MOCHA_MAJORS as readonly number[]).includes(pkg.major)) throw mochaVersionUnsupported(pkg.version, pkg.dir, SUPPORTED_MOCHA_RANGE)
  return pkg
}

/** The Mocha package in `dir` (what the host found), as a worker loads it. */
export function mochaAt(dir: string): MochaPackage {
  const require = createRequire(join(dir, 'package.json'))
  const { version } = require('./package.json') as { version: string }
  const cache = new Map<string, unknown>()
  return {
    dir,
    version,
    major: Number.parseInt(version, 10),
    load<T>(module: string): T {
      if (!cache.has(module)) cache.set(module, require(resolveModule(require, module)))
      return cache.get(module) as T
    },
  }
}

function resolveModule(require: NodeJS.Require, module: string): string {
  // Mocha 12: lib/mocha.cjs, lib/cli/options.cjs (others stayed .js); Mocha 10 and 11: all .js.
  for (const extension of ['.cjs', '.js']) {
    try {
      return require.resolve(`./lib/${module}${extension}`)
    } catch {}
  }
  return require.resolve(`./lib/${module}`)
}

function resolveFrom(from: string): string | undefined {
  try {
    return createRequire(from).resolve('mocha/package.json')
  } catch {
    return undefined
  }
}
