// Preloaded (`node --require`) first into every Node child started the user-namespace way: runs the
// plan's steps before any other code (child-setup.ts). CommonJS, so that it runs synchronously,
// before libuv's threadpool exists: threads made later inherit the dropped capabilities.
const { setUpThisProcess, reportSetupFailure, SETUP_FAILED_STATUS } = require('../child-setup.js') as typeof import('../child-setup.js')
const { forgetPreload } = require('../preload.js') as typeof import('../preload.js')

try {
  setUpThisProcess()
} catch (error) {
  reportSetupFailure(error)
  process.exit(SETUP_FAILED_STATUS)
}

// Out of process.execArgv: the child's own code does not see it, and its children do not get it.
forgetPreload(__filename)
