// Which file and test are running in this worker, from Vitest's expect state (what the public
// `expect.getState()` returns), read through its global, so that code loaded before Vitest (the
// agent) can read it too.
export function currentTest(): { file: string | undefined; test: string | undefined } {
  const state = (globalThis as { [key: symbol]: { state?: { testPath?: string; currentTestName?: string } } | undefined })[Symbol.for('$$jest-matchers-object')]?.state
  return { file: state?.testPath, test: state?.currentTestName || undefined }
}
