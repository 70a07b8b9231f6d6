// Every failure of the adapter's own that a user can meet is built here: what failed, why, what to
// do. They are IsolaneErrors (recognise them with `isIsolaneError()`), with ISOLANE_MOCHA_* codes,
// and core's ISOLANE_INVALID_OPTIONS for a value an option cannot take, as every adapter says it.
// Mocha's own errors (ERR_MOCHA_*) pass through unchanged, with Mocha's messages.
import { functionPluginInReusedWorkers as coreFunctionPluginInReusedWorkers, invalidOptions, IsolaneError, signalCause, type IsolaneErrorCode } from '@isolane/core/internal'

/** Codes of the adapter's own failures, as core's registry (ERROR_CODES) has them. */
export type MochaAdapterErrorCode = Extract<IsolaneErrorCode, `ISOLANE_MOCHA_${string}`>

/** How the adapter's invalid options are named, with core's invalidOptions(). */
const MOCHA_OPTIONS = 'Invalid isolane-mocha options'

function adapterError(code: MochaAdapterErrorCode, what: string, fix: string, cause?: unknown): IsolaneError {
  return new IsolaneError(code, `${what}. To fix: ${fix}.`, { hint: fix, cause })
}

/** `known`: every `--isolane-*` flag there is (options.ts). */
export function unknownIsolaneFlag(flag: string, known: readonly string[]): IsolaneError {
  return adapterError('ISOLANE_MOCHA_USAGE', `Unknown option ${flag}`, `use one of ${known.join(', ')}`)
}

export function missingFlagValue(flag: string, example: string): IsolaneError {
  return adapterError('ISOLANE_MOCHA_USAGE', `Option ${flag} needs a value`, `give one, as in \`${flag} ${example}\``)
}

export function badBooleanFlag(flag: string, value: string): IsolaneError {
  return adapterError('ISOLANE_MOCHA_USAGE', `Option ${flag} takes true or false, not "${value}"`, `write \`${flag}=true\` or \`${flag}=false\``)
}

export function badShard(value: unknown, why: string): IsolaneError {
  return adapterError(
    'ISOLANE_MOCHA_USAGE',
    `Option --shard takes <index>/<count> with 1 <= index <= count, as Vitest's --shard does, not ${JSON.stringify(value) ?? String(value)}: ${why}`,
    'give each of N machines one of --shard=1/N ... --shard=N/N, for example --shard=2/3 on the second of three',
  )
}

export function shardCountOverFiles(shard: { index: number; count: number }, files: number): IsolaneError {
  return adapterError(
    'ISOLANE_MOCHA_USAGE',
    `--shard=${shard.index}/${shard.count} splits the spec files into ${shard.count} shards, but only ${files} spec file${files === 1 ? ' was' : 's were'} found, so some shards would run nothing (Vitest refuses this too)`,
    `split into at most ${files} shard${files === 1 ? '' : 's'}, or check the spec patterns`,
  )
}

export function configIsolationNotObject(value: unknown): IsolaneError {
  return adapterError(
    'ISOLANE_MOCHA_USAGE',
    `The \`isolane\` key of the Mocha config must be an object of isolation options, not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    'write for example `isolane: { namespaces: ["net", "mnt"], hostname: "w-{workerId}" }` in .mocharc.*',
  )
}

export function configReuseWorkersNotBoolean(value: unknown, where = 'The `isolane.reuseWorkers` key of the Mocha config'): IsolaneError {
  return adapterError(
    'ISOLANE_MOCHA_USAGE',
    `${where} must be true or false, not ${JSON.stringify(value) ?? String(value)}`,
    'write `reuseWorkers: false` for a fresh worker per file, or leave it out to run several spec files in each worker (as `mocha --parallel` does), renewed between files',
  )
}

export function watchUnsupported(): IsolaneError {
  return adapterError(
    'ISOLANE_MOCHA_UNSUPPORTED',
    'isolane-mocha does not support --watch: every run forks a fresh isolated worker per spec file, and watch mode is not wired to that',
    'run `mocha --watch` while you edit, and isolane-mocha for the full run',
  )
}

export function noTestFiles(patterns: readonly string[]): IsolaneError {
  const shown = patterns.length === 1 ? `: ${JSON.stringify(patterns[0])}` : ` for ${patterns.map((p) => JSON.stringify(p)).join(', ')}`
  return adapterError('ISOLANE_MOCHA_NO_FILES', `No test files found${shown}`, 'check the spec patterns and the `extension` option, or run from the project directory')
}

export function unmatchedPatterns(unmatched: ReadonlyArray<{ pattern: string; absolutePath: string }>): IsolaneError {
  const list = unmatched.map(({ pattern, absolutePath }) => `"${pattern}" (${absolutePath})`).join(', ')
  return adapterError('ISOLANE_MOCHA_NO_FILES', `Cannot find any files matching ${list}`, 'fix or remove the pattern; Mocha refuses the run in that case too')
}

/**
 * The failure Mocha's runner reports for a spec file whose worker died: "Uncaught error outside test
 * suite", counted as one failure; the other files go on.
 */
export function specFileHidden(file: string, tmpfs: string): IsolaneError {
  return adapterError(
    'ISOLANE_MOCHA_USAGE',
    `The spec file ${file} is under ${tmpfs}, where every worker gets a fresh, empty tmpfs, so no worker could load it`,
    `move the suite out of ${tmpfs}, or show its directory to the workers with \`isolane: { binds: [{ source: dir, target: dir }] }\`, or set \`tmpfs\` without ${tmpfs}`,
  )
}

/** Added to the error of a test that tried to reach outside its worker's network: how to allow it. */
export const NETWORK_HOW_TO_ALLOW =
  'run the suite without a fresh network namespace (`--isolane-namespaces mnt,ipc,uts`), or make the name resolve to an address the worker can reach with a host entry plugin (`isolane: { plugins }` in .mocharc.cjs)'


/** The isolation setup of the worker for `file` failed: core's error (`cause`) names the step, why, and what to do. */
export function workerSetupFailed(file: string, cause: unknown): IsolaneError {
  const why = cause instanceof Error ? cause.message : String(cause)
  // No `cause`: Mocha would print its stack, frames of isolane's that say nothing the message does not.
  const error = new IsolaneError('ISOLANE_MOCHA_SETUP_FAILED', `isolane-mocha: none of ${file}'s tests ran: the isolation setup of its worker failed: ${why}`, { hint: (cause as { hint?: string } | null)?.hint })
  error.stack = `${error.name}: ${error.message}`
  return error
}

/** What ended a worker before its spec file was done. */
export type WorkerDeath =
  | { readonly kind: 'exit'; readonly pid: number | undefined; readonly code: number }
  | { readonly kind: 'signal'; readonly pid: number | undefined; readonly signal: NodeJS.Signals }
  | { readonly kind: 'timeout'; readonly pid: number | undefined; readonly ms: number }


/** On the test that was running when its worker died: how, and what to look for. */
export function deadWorkerMessage(death: WorkerDeath): string {
  const worker = `the isolated worker running this file${death.pid === undefined ? '' : ` (pid ${death.pid})`}`
  switch (death.kind) {
    case 'timeout':
      return `isolane-mocha: this file ran past its time limit of ${death.ms} ms (--isolane-file-timeout) while this test ran, so ${worker} was killed; the other spec files run on. Code that never yields (a synchronous loop, a blocking call) keeps Mocha's own --timeout from firing. To fix: find what blocks, or raise --isolane-file-timeout.`
    case 'signal': {
      const why = signalCause(death.signal)
      return `isolane-mocha: ${worker} was killed by ${death.signal} while this test ran, so the file could not finish; the other spec files run on. ${why}`
    }
    case 'exit':
      return `isolane-mocha: ${worker} exited with status ${death.code} while this test ran, so the file could not finish; the other spec files run on. To fix: look for process.exit() in this test or what it calls, or a native module that ends the process.`
  }
}

/** A worker that died outside any test (loading the file, in a hook): the file fails as a whole. */
export function workerExited(file: string, death: WorkerDeath): IsolaneError {
  const worker = `The isolated worker running ${file}${death.pid === undefined ? '' : ` (pid ${death.pid})`}`
  const how =
    death.kind === 'timeout' ? `was killed when the file ran past its time limit of ${death.ms} ms (--isolane-file-timeout)` : death.kind === 'signal' ? `was killed by ${death.signal}` : `exited with status ${death.code}`
  const error = adapterError(
    'ISOLANE_MOCHA_WORKER_EXITED',
    `${worker} ${how} before the file finished, outside any test (while loading the file, or in a hook)`,
    death.kind === 'timeout'
      ? 'find what blocks in that file or its hooks, or raise --isolane-file-timeout; the other spec files were not affected'
      : 'look for process.exit(), process.kill() or a native crash in that file or what it loads; the other spec files were not affected',
  )
  // Mocha prints the stack: the frames would be the adapter's, which say nothing about the file.
  error.stack = `${error.name}: ${error.message}`
  return error
}

export function badFileTimeout(value: unknown): IsolaneError {
  return invalidOptions(`--isolane-file-timeout (or \`isolane.fileTimeout\`) must be a number of milliseconds, 0 for no limit; got ${JSON.stringify(value)}`, 'give for example --isolane-file-timeout 60000, or leave it out', MOCHA_OPTIONS)
}

export function badKeep(value: unknown): IsolaneError {
  return invalidOptions(`--isolane-keep (or \`isolane.keep\`) must be never or on-failure, not ${JSON.stringify(value)}`, 'use --isolane-keep on-failure to keep a failed file\'s worker for `isolane enter`, or leave it out', MOCHA_OPTIONS)
}

export function keepWithPid(): IsolaneError {
  return invalidOptions('--isolane-keep on-failure keeps a failed worker\'s namespaces through a process left in them, and with the pid kind every process of a worker ends with it', 'leave pid out of --isolane-namespaces while you keep workers, or leave --isolane-keep out', MOCHA_OPTIONS)
}


export function badLeftovers(value: unknown): IsolaneError {
  return invalidOptions(
    `the leftovers option (--isolane-leftovers, \`isolane.leftovers\`) must be stop, fail or keep, not ${JSON.stringify(value)}`,
    'use stop (the default: stopped, with a warning naming the file), fail (the file fails too) or keep',
    MOCHA_OPTIONS,
  )
}

export function functionPluginInReusedWorkers(name: string): IsolaneError {
  return coreFunctionPluginInReusedWorkers(name, MOCHA_OPTIONS, 'run a fresh worker per file (--isolane-no-reuse-workers, `reuseWorkers: false`)')
}

// The project's Mocha is missing or outside the range: core's ISOLANE_UNSUPPORTED_VERSION, as the Vitest adapter says it.
export function mochaNotInstalled(cwd: string, range: string): IsolaneError {
  return versionError(
    `No Mocha found from ${cwd}: isolane-mocha runs the project's own Mocha, a peer dependency (${range})`,
    'install it in the project, `npm install --save-dev mocha`, and run isolane-mocha from the project directory',
  )
}

export function mochaVersionUnsupported(version: string, dir: string, range: string): IsolaneError {
  return versionError(
    `This project has mocha ${version} (${dir}), and isolane-mocha supports Mocha ${range}: it runs the suite with Mocha's own parallel runner and reporters, whose private modules it is checked against for those versions only`,
    'install a supported Mocha, for example `npm install --save-dev mocha@12`',
  )
}

function versionError(what: string, fix: string): IsolaneError {
  return new IsolaneError('ISOLANE_UNSUPPORTED_VERSION', `${what}. To fix: ${fix}.`, { hint: fix })
}
