import { defineConfig } from 'vitest/config';

/**
 * Integration tests: real Kafka, Temporal and Redis, started (or reused) once by the global setup.
 * Files run one at a time: they share one stack on a 2-core machine.
 */
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts', '**/*.integration.test.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['test/harness/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
