import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * The path of a compiled entry script that a child process runs (`./entry/x.js` relative to the
 * calling module). When the caller runs from its TypeScript source (in this repository's tests)
 * the entry is taken from the package's dist/, which `pnpm build` made.
 */
export function entryPath(callerUrl: string, relative: string): string {
  const beside = fileURLToPath(new URL(relative, callerUrl))
  if (existsSync(beside)) return beside
  const compiled = beside.replace(/\/src\/(?!.*\/src\/)/, '/dist/')
  return existsSync(compiled) ? compiled : beside
}
