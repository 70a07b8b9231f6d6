export { isolane } from './pool.js'
export type { IsolaneFileOptions, IsolanePoolOptions } from './options.js'
