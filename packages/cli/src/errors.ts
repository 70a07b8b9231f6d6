import { isIsolaneError } from '@isolane/core'
import pc from 'picocolors'

/** Exit status when isolane itself fails before or around the command (as env(1) and docker do). */
export const EXIT_ISOLANE_FAILED = 125

export class UsageError extends Error {
  override name = 'UsageError'
  readonly code = 'ISOLANE_USAGE'
}

/** Prints an error for a person: the message (which says what to do) and, for syscalls, the errno. */
export function reportError(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`${pc.red('isolane:')} ${error.message}\nRun ${pc.bold('isolane --help')} for usage.\n`)
    return 2
  }
  if (isIsolaneError(error)) {
    process.stderr.write(`${pc.red('isolane:')} ${error.message}\n${pc.dim(`(${error.code}${error.syscall ? `, ${error.syscall}` : ''})`)}\n`)
    return EXIT_ISOLANE_FAILED
  }
  process.stderr.write(`${pc.red('isolane: unexpected error (a bug in isolane; please report it):')}\n${error instanceof Error ? error.stack : String(error)}\n`)
  return EXIT_ISOLANE_FAILED
}
