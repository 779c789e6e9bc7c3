import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// The suites Stryker reruns per mutant: all of npm test's but the two that
// run src/ outside the test process (the demo in a child process, the
// browser bundle in Chromium). Stryker cannot see which mutant those cover,
// so it would rerun them for every module-level mutant at seconds each. The
// fleet suites run members in child processes too.
export default mergeConfig(
  base,
  defineConfig({
    test: { exclude: ['test/demo.test.ts', 'test/browser.test.ts', 'test/fleet/**'] },
  }),
);
