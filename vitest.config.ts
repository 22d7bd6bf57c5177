import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/leak-guard.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn worker processes and a private redis-server; two cores in CI.
    maxWorkers: 2,
    pool: 'forks',
  },
});
