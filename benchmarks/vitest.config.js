// The benchmarks' own tests (not part of the root suite, which covers packages/ and test/):
// npx vitest run --config benchmarks/vitest.config.js
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'benchmarks',
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['**/*.test.js'],
    exclude: ['**/node_modules/**', '.build/**'],
    testTimeout: 120_000,
  },
})
