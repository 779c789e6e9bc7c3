import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { expect, test } from 'vitest';
// @ts-expect-error: a plain ES module without declarations
import { generate } from '../../scripts/build-redis-scripts.mjs';
import * as main from '../../src/index.js';
import * as redis from '../../src/redis/index.js';

const root = join(import.meta.dirname, '..', '..');

/** The files of the module graph of `entry`, relative to the repository. */
async function moduleGraph(entry: string): Promise<string[]> {
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
  return Object.keys(result.metafile.inputs);
}

test('the main entry loads nothing of the Redis mode', async () => {
  const files = await moduleGraph('src/index.ts');
  expect(files.some((file) => file.startsWith('src/api/'))).toBe(true);
  expect(files.filter((file) => file.startsWith('src/redis/'))).toEqual([]);
});

test('the Redis entry loads its scripts and no Redis client', async () => {
  const result = await build({
    entryPoints: [join(root, 'src/redis/index.ts')],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs).toContain('src/redis/scripts.generated.ts');
  const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((i) => i.path));
  expect(imports.filter((path) => path === 'redis' || path === 'ioredis' || path.startsWith('@redis/'))).toEqual([]);
});

test('both entry points export the same error classes', () => {
  expect(redis.LeaseRevokedError).toBe(main.LeaseRevokedError);
  expect(redis.LeaseLostError).toBe(main.LeaseLostError);
  expect(redis.PoolStoppedError).toBe(main.PoolStoppedError);
});

test('the generated scripts module matches the Lua sources', () => {
  const committed = readFileSync(join(root, 'src/redis/scripts.generated.ts'), 'utf8');
  expect(committed).toBe(generate());
});
