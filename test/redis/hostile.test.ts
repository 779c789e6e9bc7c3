import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createRedisPool, ForeignValueError } from '../../src/redis/index.js';
import { decodeText, encodeText, poolKeys } from '../../src/redis/redis-keys.js';
import { shardOf } from '../../src/redis/shards.js';
import { clientKinds } from './clients.js';
import { clientsAndShards, freshName, keyTag, TestFleet, useRedisServer } from './fleet.js';
import { redisTestsRun } from './redis-server.js';

const server = useRedisServer({ beforeAll, afterAll });

/** Keys that are data, never code (D8). */
const hostileKeys = [
  '',
  '{',
  '}',
  ':',
  '|',
  '{x}',
  'a b',
  'x\ny',
  '*',
  '=x',
  '1',
  ' 1',
  '%',
  '%7B',
  '\u0000',
  'é',
  '🦊',
  '\uD800',
  '\uDFFF',
  '\uFFFF',
  '\uFFFFd800',
  'k'.repeat(10_000),
];

test('the Redis text of a key is injective and decodes back', () => {
  const seen = new Set(hostileKeys.map(encodeText));
  expect(seen.size).toBe(hostileKeys.length);
  for (const key of hostileKeys) expect(decodeText(encodeText(key))).toBe(key);
});

test('pool names and prefixes with tag characters give distinct, well-formed hash tags', () => {
  const pairs: Array<[string, string]> = [
    ['a', 'b:c'],
    ['a:b', 'c'],
    ['a', '{b}'],
    ['a', 'b}'],
    ['{a', 'b'],
    ['a', '%3A'],
  ];
  const tags = pairs.map(([prefix, name]) => poolKeys(prefix, name).tag);
  expect(new Set(tags).size).toBe(tags.length);
  for (const tag of tags) expect(tag).toMatch(/^\{[^{}]*\}$/);
});

// D8 per key, on a pool of 4 shards too (D9): hostile keys spread over the shards, foreign values in a key's shard.
describe.runIf(redisTestsRun).each(clientsAndShards)(
  'hostile keys and foreign values, over %s with %i shard(s)',
  (kind, shards) => {
    let fleet: TestFleet;
    beforeAll(() => {
      fleet = new TestFleet(server.current(), kind, shards);
    });
    afterEach(async () => {
      await fleet.close();
    });

    test('any string is a key of its own, across members', async () => {
      const [a, b] = await fleet.pool(2);
      if (!a || !b) throw new Error('no pool');
      for (const [i, key] of hostileKeys.entries()) await a.set(key, i + 1);
      for (const [i, key] of hostileKeys.entries()) expect(await b.get(key)).toEqual({ target: i + 1, active: 0 });
      // In creation order on one shard; the union of the shards' (D9) on four.
      const listed = await b.keys();
      expect(shards === 1 ? listed : listed.slice().sort()).toEqual(
        shards === 1 ? hostileKeys : hostileKeys.slice().sort(),
      );
      expect(new Set(hostileKeys.map((key) => shardOf(key, shards))).size).toBe(shards);
      for (const key of hostileKeys) {
        const lease = await b.acquire({ key });
        expect(lease.key).toBe(key);
        expect(await a.get(key)).toEqual({ target: hostileKeys.indexOf(key) + 1, active: 1 });
        await lease.release();
      }
    });

    test('any-key and pub/sub grants carry hostile keys intact', async () => {
      const [a, b] = await fleet.pool(2);
      if (!a || !b) throw new Error('no pool');
      for (const key of ['\uD800', 'x\ny', '{']) {
        await a.set(key, 1);
        const held = await a.acquire({ key });
        const waiting = b.acquire({ key });
        await held.release();
        const lease = await waiting;
        expect(lease.key).toBe(key);
        await lease.release();
        await a.set(key, 0);
      }
    });

    test('a foreign value in a key of the pool is refused with ForeignValueError and no count changes', async () => {
      const name = freshName();
      const [a] = await fleet.pool(1, { name, leaseTtl: 300 });
      if (!a) throw new Error('no pool');
      const probe = await fleet.client();
      const tag = keyTag(name, 'x', shards);
      const yTag = keyTag(name, 'y', shards);
      await a.set('x', 2);
      const held = await a.acquire({ key: 'x' });
      await a.set('x', 1);
      await probe.command(['SET', `${tag}q:x`, 'not a queue']);
      // x is saturated: this request would queue in the foreign key.
      const error = await a.acquire({ key: 'x' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ForeignValueError);
      expect((error as ForeignValueError).redisKey).toBe(`${tag}q:x`);
      expect((error as ForeignValueError).message).toContain('q:x');
      expect(await a.get('x')).toEqual({ target: 1, active: 1 });
      // The release would hand on through the foreign queue: refused, the lease still counts.
      await expect(held.release()).rejects.toBeInstanceOf(ForeignValueError);
      expect(await a.get('x')).toEqual({ target: 1, active: 1 });
      await probe.command(['DEL', `${tag}q:x`]);
      // The refused lease is still held: once the foreign value is gone, its holder's second release lands.
      expect(held.signal.aborted).toBe(false);
      await held.release();
      expect(await a.get('x')).toEqual({ target: 1, active: 0 });
      await a.set('x', 2);
      await probe.command(['HSET', `${yTag}groups`, 'y', 'garbage']);
      await expect(a.get('y')).rejects.toBeInstanceOf(ForeignValueError);
      await expect(a.set('y', 1)).rejects.toBeInstanceOf(ForeignValueError);
      await probe.command(['HDEL', `${yTag}groups`, 'y']);
      await probe.command(['DEL', `${tag}ready`]);
      await probe.command(['SET', `${tag}ready`, '1']);
      await expect(a.set('x', 3)).rejects.toBeInstanceOf(ForeignValueError);
      await probe.command(['DEL', `${tag}ready`]);
      expect(await a.get('x')).toEqual({ target: 2, active: 0 });
      const lease = await a.acquire({ key: 'x' });
      expect(await a.get('x')).toEqual({ target: 2, active: 1 });
      await lease.release();
    });
  },
);

describe.runIf(redisTestsRun).each(clientKinds)('hostile data and bad input, over %s', (kind) => {
  let fleet: TestFleet;
  beforeAll(() => {
    fleet = new TestFleet(server.current(), kind);
  });
  afterEach(async () => {
    await fleet.close();
  });

  test('pools whose names differ only in tag characters share nothing', async () => {
    const one = await fleet.member('a:b', { prefix: 'p' });
    const two = await fleet.member('b', { prefix: 'p:a' });
    const three = await fleet.member('{a}', { prefix: 'p' });
    await one.pool.set('x', 1);
    expect(await two.pool.get('x')).toEqual({ target: 0, active: 0 });
    expect(await three.pool.get('x')).toEqual({ target: 0, active: 0 });
    await one.pool.set('x', 0);
  });

  test('bad arguments reject with TypeError or RangeError naming the value, and change nothing', async () => {
    const [a] = await fleet.pool(1);
    if (!a) throw new Error('no pool');
    await a.set('x', 1);
    const loose = a as unknown as {
      set(key: unknown, target: unknown): Promise<void>;
      get(key: unknown): Promise<unknown>;
      acquire(options: unknown): Promise<unknown>;
      tryAcquire(options: unknown): Promise<unknown>;
      run(fn: unknown): Promise<unknown>;
    };
    await expect(loose.set(1, 1)).rejects.toThrow(TypeError);
    await expect(loose.set(undefined, 1)).rejects.toThrow(TypeError);
    await expect(loose.set('x', -1)).rejects.toThrow(RangeError);
    await expect(loose.set('x', 1.5)).rejects.toThrow('1.5');
    await expect(loose.set('x', Number.NaN)).rejects.toThrow(RangeError);
    await expect(loose.set('x', 2 ** 53)).rejects.toThrow(RangeError);
    await expect(loose.set('x', '2')).rejects.toThrow(TypeError);
    await expect(loose.get(Symbol('k'))).rejects.toThrow(TypeError);
    await expect(loose.acquire({ key: 1 })).rejects.toThrow('`1`');
    await expect(loose.acquire({ keys: 'x' })).rejects.toThrow('keys');
    await expect(loose.acquire({ signal: 'no' })).rejects.toThrow(TypeError);
    await expect(loose.tryAcquire({ key: null })).rejects.toThrow(TypeError);
    await expect(loose.run('not a function')).rejects.toThrow(TypeError);
    expect(await a.get('x')).toEqual({ target: 1, active: 0 });
    expect(await a.keys()).toEqual(['x']);
  });

  test('createRedisPool rejects bad options naming them', async () => {
    const client = await fleet.client();
    const create = createRedisPool as (options: unknown) => Promise<unknown>;
    await expect(create(undefined)).rejects.toThrow(TypeError);
    await expect(create({ redis: client.client })).rejects.toThrow('name');
    await expect(create({ redis: client.client, name: '' })).rejects.toThrow('name');
    await expect(create({ redis: client.client, name: 'n', leaseTtl: 99 })).rejects.toThrow(RangeError);
    await expect(create({ redis: client.client, name: 'n', leaseTtl: 150.5 })).rejects.toThrow('150.5');
    await expect(create({ redis: client.client, name: 'n', leaseTtl: '1000' })).rejects.toThrow(TypeError);
    await expect(create({ redis: client.client, name: 'n', prefix: 3 })).rejects.toThrow('prefix');
    await expect(create({ redis: client.client, name: 'n', ttl: 1000 })).rejects.toThrow('ttl');
    await expect(create({ redis: {}, name: 'n' })).rejects.toThrow('redis');
    await expect(create({ redis: 'redis://127.0.0.1', name: 'n' })).rejects.toThrow(TypeError);
  });

  test('createRedisPool rejects a bad confirmReplicas or confirmTimeout, naming the option and the value', async () => {
    const client = await fleet.client();
    const create = createRedisPool as (options: unknown) => Promise<unknown>;
    const base = { redis: client.client, name: freshName(), leaseTtl: 1_000 };
    await expect(create({ ...base, confirmReplicas: -1 })).rejects.toThrow(
      'Expected `confirmReplicas` to be an integer from 0 to 100, got `-1` (number)',
    );
    await expect(create({ ...base, confirmReplicas: 1.5 })).rejects.toThrow(RangeError);
    await expect(create({ ...base, confirmReplicas: '1' })).rejects.toThrow('confirmReplicas');
    await expect(create({ ...base, confirmTimeout: 0 })).rejects.toThrow(RangeError);
    await expect(create({ ...base, confirmTimeout: 1_001 })).rejects.toThrow(
      'Expected `confirmTimeout` to be an integer from 1 to leaseTtl (1000 ms), got `1001` (number)',
    );
    expect(await client.command(['KEYS', `*${base.name}*`])).toEqual([]);
  });

  test('createRedisPool rejects a leaseTtl longer than a timer can wait, naming the option, the value and the bound', async () => {
    const error = await fleet.member(freshName(), { leaseTtl: 2 ** 31 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as RangeError).message).toBe(
      'Expected `leaseTtl` to be an integer from 100 to 2147483647 (ms), got `2147483648` (number)',
    );
  });
});
