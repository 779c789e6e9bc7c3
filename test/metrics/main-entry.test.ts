import { join } from 'node:path';
import { build } from 'esbuild';
import { expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** The source files and packages an entry point loads, as a bundler follows its imports. */
async function moduleGraph(entry: string): Promise<{ files: string[]; packages: string[] }> {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  const files = Object.keys(result.metafile.inputs);
  const packages = Object.values(result.metafile.outputs).flatMap((output) =>
    output.imports.filter((i) => i.external).map((i) => i.path),
  );
  return { files, packages };
}

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
