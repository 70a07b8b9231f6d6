// The builtin module object (what `require('node:child_process')` returns, not the frozen ESM
// namespace) and its functions as they were before the fork hook replaced `fork`.
import { createRequire } from 'node:module'

export const childProcessModule: typeof import('node:child_process') = createRequire(import.meta.url)('node:child_process')
export const originalFork = childProcessModule.fork
export const originalSpawn = childProcessModule.spawn
