import { defineConfig } from 'vitest/config';

// The leak tests need a collectable heap (`gc()`), and a process of their own so other suites' garbage does not blur them.
export default defineConfig({
  test: {
    include: ['test/leaks/**/*.test.ts'],
    pool: 'forks',
    execArgv: ['--expose-gc'],
    fileParallelism: false,
    testTimeout: 120_000,
  },
});
