import { defineConfig } from 'vitest/config';

/** `npm run test:clean-machine`: the README's two commands on a machine made clean (see the test). */
export default defineConfig({
  test: {
    include: ['test/clean-machine/**/*.test.ts'],
    testTimeout: 40 * 60_000,
    pool: 'forks',
  },
});
