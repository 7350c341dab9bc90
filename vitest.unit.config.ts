import { defineConfig } from 'vitest/config';

/** Unit tests: co-located `*.test.ts`, no servers. */
export default defineConfig({
  test: {
    include: ['{services,workflows,connectors,sources,schemas,infra}/**/*.test.ts', 'test/{docs,lint,replay,structure}/**/*.test.ts', 'test/drills/*.test.ts'],
    exclude: ['**/node_modules/**', '**/*.integration.test.ts'],
    // Installs the gateway the source conformance kit runs deliveries through (sources/sdk/conformance/host.ts).
    setupFiles: ['test/setup/source-kit.ts'],
  },
});
