export { isolane, type IsolanePoolOptions } from './pool.js'
export type { IsolaneFileOptions } from './options.js'
