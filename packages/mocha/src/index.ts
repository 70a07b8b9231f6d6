export { runMocha, type RunMochaOptions, type RunMochaResult } from './run.js'
export type { RunModeOptions } from './options.js'
export type { MochaAdapterErrorCode } from './errors.js'
export type { MochaStats } from './mocha-internals.js'
