import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
// @ts-expect-error: a plain ES module without declarations
import { generate } from '../../scripts/build-redis-scripts.mjs';
import * as main from '../../src/index.js';
import * as redis from '../../src/redis/index.js';
import { moduleGraph } from '../module-graph.js';

const root = join(import.meta.dirname, '..', '..');

test('the main entry loads nothing of the Redis mode', async () => {
  const { files } = await moduleGraph('src/index.ts');
  expect(files.some((file) => file.startsWith('src/api/'))).toBe(true);
  expect(files.filter((file) => file.startsWith('src/redis/'))).toEqual([]);
});

test('the Redis entry loads its scripts and no Redis client', async () => {
  const { files: inputs, packages } = await moduleGraph('src/redis/index.ts');
  expect(inputs).toContain('src/redis/scripts.generated.ts');
  expect(packages.filter((path) => path === 'redis' || path === 'ioredis' || path.startsWith('@redis/'))).toEqual([]);
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
