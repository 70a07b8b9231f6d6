// Where the files that run in other processes are. They run in plain Node, so they are always the
// compiled ones in dist/worker/; when this module itself runs from src/ (the package's own tests,
// under Vitest) it points there too.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(import.meta.url)
const packageRoot = join(dirname(here), '..', '..')
const workerDir = join(packageRoot, 'dist', 'worker')

/** The tinypool worker module of every pool (worker/task-entry.ts, bundled by scripts/build.js). */
export const TASK_ENTRY = join(workerDir, 'task-entry.bundle.js')
