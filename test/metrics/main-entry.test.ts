import { expect, test } from 'vitest';
import { moduleGraph } from '../module-graph.js';

test('the main entry loads nothing of src/metrics nor OpenTelemetry', async () => {
  const { files, packages } = await moduleGraph('src/index.ts');
  expect(files).toContain('src/api/create-pool.ts');
  expect(files.filter((file) => file.startsWith('src/metrics/'))).toEqual([]);
  expect(packages.filter((name) => name.startsWith('@opentelemetry/'))).toEqual([]);
});

test('the metrics entry is where OpenTelemetry is loaded, as types only', async () => {
  const { files, packages } = await moduleGraph('src/metrics/index.ts');
  expect(files).toContain('src/metrics/instrument-pool.ts');
  // The API is used through the Meter the caller passes: not even @opentelemetry/api is loaded at run time.
  expect(packages.filter((name) => name.startsWith('@opentelemetry/'))).toEqual([]);
});
