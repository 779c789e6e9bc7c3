import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'model-tests/**/*.test.ts'],
    exclude: ['test/leaks/**', 'node_modules/**'],
    testTimeout: 30_000,
    globalSetup: ['test/skip-reasons.ts'],
  },
});
