import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // It runs this whole suite again inside a clean machine: `npm run test:clean-machine`, in .ci/run.
    exclude: [...configDefaults.exclude, 'test/clean-machine/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/leak-guard.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn worker processes and a private redis-server; two cores in CI.
    maxWorkers: 2,
    pool: 'forks',
  },
});
