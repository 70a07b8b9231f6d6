// `@isolane/core/internal`: core's public API and what isolane's own packages (the pool, the
// adapters, the CLI) need of core beyond it: the option table they derive their options from, where
// core's entry scripts and koffi's addon lie, the pieces of leftovers, kept workers, network
// attempts and child setup they build on. No promise outside isolane: use `@isolane/core`.
// Those packages import core from here only, public names too. This is the one bundled module of
// core (scripts/build.js); `@isolane/core` re-exports its public names, so that a process that loads
// both holds one copy of core's state.
export * from './index.js'
export { asErrorCode, functionPluginInReusedWorkers, internalError, invalidFileOptions, invalidOptions } from './errors.js'
export { OPTIONS, ISOLATION_OPTION_NAMES, RUN_OPTION_NAMES, RUN_DEFAULTS, listOptionNames, splitRunOptions, type OptionName, type OptionSpec } from './option-table.js'
export { withOwnFilesVisible } from './plan.js'
export { hostnameOf } from './plan-queries.js'
export { entryPath } from './entry-path.js'
export { inheritedExecArgv } from './launch.js'
export { koffiAddonPath } from './libc/declarations.js'
export { announceOnce } from './way.js'
export { describeLeftovers, signalCause, stopLeftovers, type LeftoverProcess } from './leftovers.js'
export { isSetupFailedMessage, notSendable, SETUP_FAILED_KEY, SETUP_FAILED_STATUS } from './child-setup.js'
export { describeNetworkAttempts, watchNetworkAttempts, type TestNetworkAttempt } from './network-attempts.js'
export { describeKept, enterCommand, findKept, holdNamespaces, listKept, recordKept, releaseKept, KEPT_KINDS, type KeptWorker } from './kept.js'
export { NoticeFile, NOTICE_FD, NOTICE_FD_ENV, type TaskNotice } from './notices.js'
