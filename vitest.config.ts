import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests share one Redis; files run in parallel but each uses its own key prefix.
    pool: 'forks',
    maxWorkers: 2,
  },
});
