export { default, default as IsolaneJestRunner, FILE_OPTIONS_PRAGMA } from './runner.js'
export { resolveRunnerOptions, type IsolaneJestOptions, type RunModeOptions, type RunnerSettings } from './options.js'
export type { JestAdapterErrorCode } from './errors.js'
