import { describe, expect, test } from 'vitest';
import { poolTag } from '../../src/redis/redis-keys.js';
import { shardOf, shardTag, tagSlot } from '../../src/redis/shards.js';

// D9: a key's shard and a shard's tag are fixed functions, the same in every member and version: these
// values are the contract (README: "Sharding a pool"), so a change of either fails here.

describe('the key → shard function', () => {
  test('is FNV-1a of the key as Redis stores it, modulo the shards: known values', () => {
    expect(['a', 'b', 'tenant-1', 'é', '', '\uD800'].map((key) => shardOf(key, 24))).toEqual([4, 13, 11, 9, 13, 0]);
    expect(['a', 'tenant-1'].map((key) => shardOf(key, 1024))).toEqual([300, 907]);
  });

  test('puts every key in shard 0 of a one-shard pool', () => {
    expect(shardOf('anything', 1)).toBe(0);
  });
});

describe("a shard's hash tag", () => {
  test('is the pool tag itself with one shard: the layout of D1–D8', () => {
    expect(shardTag(poolTag('workpool', 'jobs'), 0, 1)).toBe('{workpool:jobs}');
  });

  test('names its shard, its count and the least suffix that puts it in its range of slots: known values', () => {
    const home = poolTag('workpool', 'jobs');
    expect([0, 1, 23].map((i) => shardTag(home, i, 24))).toEqual([
      '{workpool:jobs:0/24:51}',
      '{workpool:jobs:1/24:12}',
      '{workpool:jobs:23/24:42}',
    ]);
  });

  test('lands shard i of n in the i-th n-th of the slots, so equal slot ranges hold equal shards', () => {
    const home = poolTag('p', 'spread');
    for (const n of [2, 3, 24, 1024]) {
      for (let i = 0; i < n; i += Math.ceil(n / 16)) {
        const slot = tagSlot(shardTag(home, i, n));
        expect(slot).toBeGreaterThanOrEqual(Math.ceil((i * 16384) / n));
        expect(slot).toBeLessThan(Math.ceil(((i + 1) * 16384) / n));
      }
    }
  });

  test("hashes as Redis Cluster does (CLUSTER KEYSLOT's known values)", () => {
    expect(tagSlot('{foo}')).toBe(12182);
    expect(tagSlot('{123456789}')).toBe(12739);
  });
});
