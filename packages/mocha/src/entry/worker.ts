// Runs in a pool worker (a fresh process in fresh namespaces), one spec file per worker. Does what
// Mocha's own `lib/nodejs/worker.cjs` does, without workerpool: load the `--require` modules (root
// hooks; global fixtures belong to the parent), run the file with the `parallel-buffered`
// reporter the parent chose, and hand back the buffered events, serialized by Mocha's serializer.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const Mocha = require('mocha/lib/mocha.cjs') as new (options: Record<string, unknown>) => WorkerMocha
const { interfaces } = require('mocha/lib/mocha.cjs') as { interfaces: Record<string, unknown> }
const { handleRequires, validateLegacyPlugin } = require('mocha/lib/cli/run-helpers.cjs') as {
  handleRequires(requires: unknown, options: { ignoredPlugins: string[] }): Promise<{ rootHooks?: unknown }>
  validateLegacyPlugin(options: Record<string, unknown>, pluginType: 'ui', map: Record<string, unknown>): void
}
const { serialize } = require('mocha/lib/nodejs/serializer.js') as { serialize(value: unknown): unknown }

interface WorkerMocha {
  addFile(file: string): WorkerMocha
  loadFilesAsync(): Promise<void>
  run(callback: (result: unknown) => void): unknown
}

/** The task the host sends: a spec file and the options as `BufferedWorkerPool.serializeOptions()` wrote them. */
export interface SpecFileTask {
  file: string
  serializedOptions: string
}

export interface SpecFileOutcome {
  pid: number
  /** Mocha's SerializableWorkerResult: JSON-safe. */
  result: unknown
}

export default async function runSpecFile({ file, serializedOptions }: SpecFileTask): Promise<SpecFileOutcome> {
  // serialize-javascript output (it keeps RegExps such as `grep`); evaluated as Mocha's worker does.
  const argv = (0, eval)(`(${serializedOptions})`) as Record<string, unknown>
  const options: Record<string, unknown> = { ui: 'bdd', ...argv, parallel: false, forbidOnly: true, isWorker: true }
  const plugins = await handleRequires(options.require, { ignoredPlugins: ['mochaGlobalSetup', 'mochaGlobalTeardown'] })
  validateLegacyPlugin(options, 'ui', interfaces)
  options.rootHooks = plugins.rootHooks

  const mocha = new Mocha(options).addFile(file)
  await mocha.loadFilesAsync()
  const result = await new Promise<unknown>((resolve, reject) => {
    mocha.run((runResult) => {
      // Mocha's runner leaves its handlers behind; the worker's own must not outlive the run.
      process.removeAllListeners('uncaughtException')
      process.removeAllListeners('unhandledRejection')
      try {
        resolve(serialize(runResult))
      } catch (error) {
        reject(error)
      }
    })
  })
  return { pid: process.pid, result }
}
