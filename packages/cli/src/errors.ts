import { asErrorCode, isIsolaneError, IsolaneError } from '@isolane/core/internal'
import pc from 'picocolors'

/**
 * Exit statuses of isolane's own (`isolane help` lists them with the rest): a usage error, and
 * isolane itself failing before or around the command (as env(1) and docker do: 125).
 */
export const EXIT_USAGE = 2
export const EXIT_ISOLANE_FAILED = 125

/** ISOLANE_USAGE: the command line asks for what isolane cannot do; the message says what. */
export class UsageError extends IsolaneError {
  override name = 'UsageError'
  /** The command whose usage it was, for the pointer to its help. */
  readonly command: string | undefined

  constructor(message: string, command?: string) {
    super('ISOLANE_USAGE', message)
    this.command = command
  }
}

/**
 * `isolane run`'s command could not be started: 127 when it was not found, 126 when it could not
 * run, as env(1) exits. Its code is the errno name of the failed spawn, as Node's own error has it.
 */
export class CommandNotRun extends IsolaneError {
  override name = 'CommandNotRun'
  readonly status: 126 | 127

  constructor(command: string, errorCode: string | undefined) {
    super(
      asErrorCode(errorCode) ?? 'ISOLANE_INTERNAL',
      errorCode === 'ENOENT' ? `command not found: ${command}` : `cannot run ${command}: ${errorCode === 'EACCES' ? 'permission denied (not executable, or a directory)' : errorCode ?? 'unknown error'}`,
      { syscall: 'spawn' },
    )
    this.status = errorCode === 'ENOENT' ? 127 : 126
  }
}

/** Prints an error for a person: the message (which says what to do) and, for syscalls, the errno. */
export function reportError(error: unknown): number {
  if (error instanceof UsageError) {
    const help = error.command === undefined ? 'isolane --help' : `isolane help ${error.command}`
    process.stderr.write(`${pc.red('isolane:')} ${error.message}\nRun ${pc.bold(help)} for usage.\n`)
    return EXIT_USAGE
  }
  if (error instanceof CommandNotRun) {
    process.stderr.write(`${pc.red('isolane:')} ${error.message}\n`)
    return error.status
  }
  if (isIsolaneError(error)) {
    process.stderr.write(`${pc.red('isolane:')} ${error.message}\n${pc.dim(`(${error.code}${error.syscall ? `, ${error.syscall}` : ''})`)}\n`)
    return EXIT_ISOLANE_FAILED
  }
  process.stderr.write(`${pc.red('isolane: unexpected error (a bug in isolane; please report it):')}\n${error instanceof Error ? error.stack : String(error)}\n`)
  return EXIT_ISOLANE_FAILED
}
