// What a preload of isolane's (`node --require FILE`: core's child setup, the Vitest pool's agent)
// does once it has run: it leaves process.execArgv, where the process's own code would see it and
// its children would get it (fork() passes execArgv on), though they are no processes isolane
// started.
import { realpathSync } from 'node:fs'

/** Takes `--require FILE` out of process.execArgv, FILE named there by any path to it. */
export function forgetPreload(file: string, execArgv: string[] = process.execArgv): void {
  const index = execArgv.findIndex((flag, at) => at > 0 && execArgv[at - 1] === '--require' && (flag === file || realpathOrSelf(flag) === file))
  if (index > 0) execArgv.splice(index - 1, 2)
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}
