export { isolane } from './pool.js'
export { IsolanePoolWorker } from './pool-worker.js'
export { ENVIRONMENT_NAME, mergeFileOptions, shareKinds, type IsolaneFileOptions, type IsolanePoolOptions } from './options.js'
export { HANDOFF_VARIABLE, readHandoff, type WorkerHandoff } from './handoff.js'
