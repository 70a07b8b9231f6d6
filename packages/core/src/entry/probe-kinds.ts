// Loaded by probe.ts: tries a window of each kind and reports what happened. It runs on a
// short-lived worker thread (namespaces and the filesystem context belong to the thread, so the
// process's other threads are untouched), or as a child process where a thread cannot be used.
import { readlinkSync } from 'node:fs'
import { isMainThread, workerData } from 'node:worker_threads'
import type { ProbeAnswer, ProbeThreadData, ProbeThreadMessage } from '../probe-answer.js'

let answer: ProbeAnswer
try {
  // Imported here, not at the top, so that a failure to load (koffi, say) is an answer too.
  const [{ ALL_KINDS }, { tryKind }] = await Promise.all([import('../kinds.js'), import('../try-kind.js')])
  answer = {}
  for (const kind of ALL_KINDS) answer[kind] = tryKind(kind)
} catch (error) {
  answer = { error: `the probe could not load isolane's core: ${error instanceof Error ? error.message : String(error)}` }
}

if (isMainThread) {
  process.stdout.write(JSON.stringify(answer))
} else {
  const { port, done } = workerData as ProbeThreadData
  const message: ProbeThreadMessage = { answer, task: `/proc/${readlinkSync('/proc/thread-self')}` }
  port.postMessage(message)
  Atomics.store(done, 0, 1)
  Atomics.notify(done, 0)
}
