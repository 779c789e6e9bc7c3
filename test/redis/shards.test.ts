import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ForeignValueError } from '../../src/redis/index.js';
import { poolTag } from '../../src/redis/redis-keys.js';
import { shardOf, shardTag } from '../../src/redis/shards.js';
import { clientKinds, type TestClient } from './clients.js';
import { freshName, queuedIn, TestFleet, useRedisServer } from './fleet.js';
import { redisTestsRun } from './redis-server.js';
import { waitFor } from './wait-for.js';

// D9 on one redis-server: a pool spread over `shards` hash tags. The 3-master Cluster and separate
// processes are in test/redis/cluster-shards.test.ts.

const server = useRedisServer({ beforeAll, afterAll });

/** Every Redis key of pool `name` (default prefix), any shard, by SCAN. */
async function redisKeysOf(client: TestClient, name: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const reply = (await client.command(['SCAN', cursor, 'MATCH', `${poolTag('workpool', name).slice(0, -1)}*`])) as [
      string,
      string[],
    ];
    cursor = String(reply[0]);
    found.push(...reply[1].map(String));
  } while (cursor !== '0');
  return found.sort();
}

/** The tag of `key`'s shard in pool `name` of `shards` shards. */
function tagOf(name: string, key: string, shards: number): string {
  return shardTag(poolTag('workpool', name), shardOf(key, shards), shards);
}

/** Keys that land in `count` different shards of a pool of `shards`. */
function keysInDistinctShards(shards: number, count: number): string[] {
  const keys: string[] = [];
  const used = new Set<number>();
  for (let i = 0; keys.length < count; i++) {
    const shard = shardOf(`k${i}`, shards);
    if (used.has(shard)) continue;
    used.add(shard);
    keys.push(`k${i}`);
  }
  return keys;
}

describe.runIf(redisTestsRun).each(clientKinds)('a sharded pool over %s', (kind) => {
  let fleet: TestFleet;
  beforeAll(() => {
    fleet = new TestFleet(server.current(), kind);
  });
  afterEach(async () => {
    await fleet.close();
  });

  test("keeps each key's group under its shard's tag, and nothing but membership under the home tag", async () => {
    const name = freshName();
    const [a] = await fleet.pool(1, { name, shards: 4 });
    const keys = keysInDistinctShards(4, 3);
    for (const key of keys) await a?.set(key, 2);
    const probe = await fleet.client();
    for (const key of keys) {
      expect(await probe.command(['HGET', `${tagOf(name, key, 4)}groups`, key])).toMatch(/^2 0 \d+$/);
    }
    const home = poolTag('workpool', name);
    expect((await redisKeysOf(probe, name)).filter((k) => k.startsWith(home))).toEqual([
      `${home}members`,
      `${home}meta`,
    ]);
    expect(await probe.command(['HGET', `${home}meta`, 'n'])).toBe('4');
  });

  test('issues lease ids that name their shard (id modulo shards) and grow per key', async () => {
    const [a] = await fleet.pool(1, { shards: 4 });
    const keys = keysInDistinctShards(4, 4);
    for (const key of keys) await a?.set(key, 3);
    const ids = new Map<string, number[]>();
    for (let round = 0; round < 3; round++) {
      for (const key of keys) {
        const lease = await a?.acquire({ key });
        if (!lease) throw new Error('no lease');
        ids.set(key, [...(ids.get(key) ?? []), lease.id]);
      }
    }
    const all = [...ids.values()].flat();
    expect(new Set(all).size).toBe(all.length);
    for (const [key, list] of ids) {
      for (const id of list) expect(id % 4).toBe(shardOf(key, 4));
      expect(list).toEqual([...list].sort((x, y) => x - y));
    }
  });

  test('refuses any-key requests with a TypeError, sending nothing', async () => {
    const name = freshName();
    const [a] = await fleet.pool(1, { name, shards: 4 });
    if (!a) throw new Error('no pool');
    const message = /Expected `key` in `acquire` of a pool of 4 shards, got undefined/;
    await expect(a.acquire()).rejects.toThrow(message);
    await expect(a.acquire({})).rejects.toThrow(TypeError);
    await expect(a.tryAcquire()).rejects.toThrow(/`tryAcquire` of a pool of 4 shards/);
    expect(() => a.leases()).toThrow(/`leases` of a pool of 4 shards/);
    await expect(a.run(() => 1)).rejects.toThrow(TypeError);
    expect(await a.waiting()).toBe(0);
  });

  test('a member asking another number of shards fails createRedisPool naming both, having written nothing', async () => {
    const name = freshName();
    await fleet.pool(1, { name, shards: 4 });
    const probe = await fleet.client();
    const before = await redisKeysOf(probe, name);
    const members = await probe.command(['ZRANGE', `${poolTag('workpool', name)}members`, '0', '-1']);
    await expect(fleet.member(name, { shards: 3 })).rejects.toThrow(
      /Expected `shards` to be 4, as the pool's live members use, got 3/,
    );
    await expect(fleet.member(name)).rejects.toThrow(
      /Expected `shards` to be 4, as the pool's live members use, got 1/,
    );
    expect(await redisKeysOf(probe, name)).toEqual(before);
    expect(await probe.command(['ZRANGE', `${poolTag('workpool', name)}members`, '0', '-1'])).toEqual(members);
  });

  test('a first join that one shard refuses leaves no membership behind in the shards and home keys that took it', async () => {
    const name = freshName();
    const probe = await fleet.client();
    const home = poolTag('workpool', name);
    const refusing = `${shardTag(home, 2, 4)}members`;
    await probe.command(['SET', refusing, 'not a pool']);
    const others = [home, ...[0, 1, 3].map((i) => shardTag(home, i, 4))].map((tag) => `${tag}members`);
    await expect(fleet.member(name, { shards: 4 })).rejects.toThrow(ForeignValueError);
    for (const members of others) expect(await probe.command(['ZCARD', members])).toBe(0);
    await probe.command(['DEL', refusing]);
    const [a] = await fleet.pool(1, { name, shards: 4 });
    await a?.set('x', 1);
    expect(await a?.get('x')).toEqual({ target: 1, active: 0 });
  });

  test('a one-shard member is refused by a sharded pool and the other way round', async () => {
    const name = freshName();
    await fleet.pool(1, { name });
    await expect(fleet.member(name, { shards: 2 })).rejects.toThrow(/Expected `shards` to be 1, .* got 2/);
  });

  test('a pool whose members all stopped takes the number of shards of the next member', async () => {
    const name = freshName();
    const [a] = await fleet.pool(1, { name, shards: 4 });
    await a?.stop();
    const [b] = await fleet.pool(1, { name, shards: 2 });
    const probe = await fleet.client();
    expect(await probe.command(['HGET', `${poolTag('workpool', name)}meta`, 'n'])).toBe('2');
    await b?.set('x', 1);
    expect(await b?.get('x')).toEqual({ target: 1, active: 0 });
  });

  test("pushes a handoff to another member's waiter through its shard's channel, not at a heartbeat", async () => {
    const name = freshName();
    // Heartbeats a minute apart: only the notice can deliver within the test's deadline.
    const [a, b] = await fleet.pool(2, { name, shards: 4, leaseTtl: 180_000 });
    const [key] = keysInDistinctShards(4, 1) as [string];
    await a?.set(key, 1);
    const held = await a?.acquire({ key });
    const probe = await fleet.client();
    const waiting = b?.acquire({ key });
    await waitFor(async () => (await queuedIn(probe, name, key, 4)) === 1);
    await held?.release();
    const lease = await waiting;
    expect(lease?.key).toBe(key);
    expect((lease?.id ?? 0) % 4).toBe(shardOf(key, 4));
  });

  test('keys() lists every shard, get() reads the key in its shard, waiting() sums the shards', async () => {
    const name = freshName();
    const [a, b] = await fleet.pool(2, { name, shards: 4 });
    if (!a || !b) throw new Error('no pool');
    const keys = keysInDistinctShards(4, 3);
    for (const key of keys) await a.set(key, 1);
    expect((await b.keys()).sort()).toEqual([...keys].sort());
    const held = await Promise.all(keys.map((key) => a.acquire({ key })));
    const probe = await fleet.client();
    const queued = keys.map((key) => b.acquire({ key }));
    await waitFor(async () => (await b.waiting()) === 3);
    expect(await b.waiting({ key: keys[0] })).toBe(1);
    expect(await b.get(keys[1] as string)).toEqual({ target: 1, active: 1 });
    for (const lease of held) await lease.release();
    for (const lease of await Promise.all(queued)) await lease.release();
    expect(await probe.command(['HGET', `${tagOf(name, keys[2] as string, 4)}groups`, keys[2] as string])).toMatch(
      /^1 0 /,
    );
  });

  test('groups on demand come and go in every shard, leaving nothing of them in Redis', async () => {
    const name = freshName();
    const [a, b] = await fleet.pool(2, { name, shards: 4, defaultTarget: 1 });
    if (!a || !b) throw new Error('no pool');
    for (let round = 0; round < 5; round++) {
      const tenants = Array.from({ length: 40 }, (_, i) => `t${round}-${i}`);
      const leases = await Promise.all(tenants.map((key, i) => (i % 2 ? a : b).acquire({ key })));
      const waiters = tenants.map((key, i) => (i % 2 ? b : a).acquire({ key }));
      await waitFor(async () => (await a.waiting()) === tenants.length);
      for (const lease of leases) await lease.release();
      for (const lease of await Promise.all(waiters)) await lease.release();
    }
    expect(await a.keys()).toEqual([]);
    const probe = await fleet.client();
    const left = (await redisKeysOf(probe, name)).filter((key) => !/(members|meta)$/.test(key));
    expect(left).toEqual([]);
  });
});
