// Where the files that run in other processes are. They run in plain Node, so they are always the
// compiled ones in dist/worker/; when this module itself runs from src/ (the package's own tests,
// under Vitest) it points there too.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(import.meta.url)
const packageRoot = join(dirname(here), '..', '..')
const workerDir = join(packageRoot, 'dist', 'worker')

/** The tinypool worker module of every pool (worker/task-entry.ts, bundled by scripts/build.js). */
export const TASK_ENTRY = join(workerDir, 'task-entry.cjs')

let tinypoolEntry: string | undefined

/** The script tinypool's child_process runtime forks (dist/entry/process.js of our tinypool). */
export function tinypoolProcessEntry(): string {
  tinypoolEntry ??= join(dirname(realpathSync(createRequire(import.meta.url).resolve('tinypool'))), 'entry', 'process.js')
  return tinypoolEntry
}
