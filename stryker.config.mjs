// Mutation testing of src/ (npm run test:mutation): Stryker changes one
// thing in the source at a time and reruns the vitest suites that cover it;
// a mutant that no test notices survives. The JSON report is the record.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: ['src/**/*.ts'],
  // Only what the suites need is copied into the sandbox.
  ignorePatterns: ['scratch', 'dist', 'docs', 'reports', 'coverage', 'bench', '*.tgz'],
  coverageAnalysis: 'perTest',
  // Two cores shared with the rest of the team.
  concurrency: 2,
  // A mutant that loops (a grant loop that never ends) times out, which counts as caught.
  timeoutMS: 5_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 95, low: 90, break: null },
};
