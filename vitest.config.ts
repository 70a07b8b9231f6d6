import { defineConfig } from 'vitest/config'

// The project's own tests. Fixtures are suites that the tests run Vitest and Mocha on, not tests.
export default defineConfig({
  test: {
    // End-to-end tests start whole test runs of their own; on two cores, two at a time is plenty.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'isolane',
          include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'fixtures/**', '**/dist/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      // The benchmarks' own tests, among them a smoke run of `bench --quick` (asserts no timing).
      'benchmarks/vitest.config.js',
    ],
  },
})
