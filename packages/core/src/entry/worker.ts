// What a test worker of a pool runs in itself (the Vitest pool's agent): the leftovers check, the
// renewal between files, holding kept namespaces, watching network attempts. `@isolane/core/worker`
// is this module bundled into one CommonJS file (scripts/build.js): a worker's preload then loads
// it without Node's ESM loader, which for all of core's modules through require(esm) cost each
// worker about 30 ms of CPU at its start.
export { adoptOrphans, stopLeftovers, type LeftoverProcess } from '../leftovers.js'
export { internalError, IsolaneError } from '../errors.js'
export { prepareRenewal, renewIsolation } from '../renewal.js'
export { holdNamespaces } from '../kept.js'
export { useKoffiAddon } from '../libc/declarations.js'
export { watchNetworkAttempts, type NetworkAttempt } from '../network-attempts.js'
export { forgetPreload } from '../preload.js'
export { NoticeWriter, taskNotices, type TaskNotices } from '../notices.js'
