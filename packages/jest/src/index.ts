export { default, default as IsolaneJestRunner } from './runner.js'
export type { IsolaneJestOptions, RunModeOptions } from './options.js'
export type { JestAdapterErrorCode } from './errors.js'
