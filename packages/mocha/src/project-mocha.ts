// The project's Mocha in the host: found from the working directory when isolane-mocha starts
// (mocha-package.ts), and what the host uses of it loaded once (mocha-internals.ts).
import { hostMocha } from './mocha-internals.js'
import { findMocha } from './mocha-package.js'

export type { MochaArgs, MochaStats } from './mocha-internals.js'

/** The project's Mocha package. */
export const mochaPackage = findMocha(process.cwd())

export const { Mocha, loadOptions, normalizeRunOptions, validateRunOptions, prepareRunOptions, collectFiles, isNodeFlag, unparseNodeFlags, ParallelBufferedRunner, BufferedWorkerPool, serialize, deserialize, logSymbols } = hostMocha(mochaPackage)

export const mochaVersion = mochaPackage.version
