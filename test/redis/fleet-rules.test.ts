import { getEventListeners } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { RedisLease } from '../../src/redis/index.js';
import { LeaseRevokedError } from '../../src/redis/index.js';
import { shardOf } from '../../src/redis/shards.js';
import type { TestClient } from './clients.js';
import {
  clientsAndShards,
  freshName,
  keyInShardOf,
  keysInDistinctShards,
  queuedIn,
  TestFleet,
  useRedisServer,
} from './fleet.js';
import { redisTestsRun } from './redis-server.js';
import { waitFor } from './wait-for.js';

const server = useRedisServer({ beforeAll, afterAll });

// D1: S1-S7 and S11 hold across the members of a pool as if they were one process; per key, on a pool of 4
// shards too (D9), whose any-key requests are refused (test/redis/shards.test.ts).
describe.runIf(redisTestsRun).each(clientsAndShards)(
  'one pool for the fleet, over %s with %i shard(s)',
  (kind, shards) => {
    let fleet: TestFleet;
    let probe: TestClient;
    beforeAll(async () => {
      fleet = new TestFleet(server.current(), kind, shards);
    });
    const anyKeyTest = shards === 1 ? test : test.skip;
    const queued = (name: string, key?: string) => queuedIn(probe, name, key, shards);
    afterEach(async () => {
      await fleet.close();
    });
    const newProbe = async () => {
      probe = await fleet.client();
      return probe;
    };

    // In creation order on one shard; a sharded pool's keys() is the union of its shards' (D9), in no promised order.
    const listed = async (keys: Promise<string[]>) => (shards === 1 ? await keys : (await keys).slice().sort());
    const inOrder = (keys: string[]) => (shards === 1 ? keys : keys.slice().sort());

    test('keys lists every group fleet-wide, in creation order, draining ones included', async () => {
      const [a, b] = await fleet.pool(2);
      if (!a || !b) throw new Error('no pool');
      const [k0, k1, k2] = keysInDistinctShards(shards, 3) as [string, string, string];
      await a.set(k2, 1);
      await b.set(k0, 1);
      await a.set(k1, 1);
      const lease = await b.acquire({ key: k0 });
      await a.set(k0, 0);
      expect(await listed(b.keys())).toEqual(inOrder([k2, k0, k1]));
      expect(await a.get(k0)).toEqual({ target: 0, active: 1 });
      await lease.release();
      expect(await listed(a.keys())).toEqual(inOrder([k2, k1]));
    });

    test('waiters of different members are served in the order their requests reached Redis', async () => {
      const name = freshName();
      const [a, b, c] = await fleet.pool(3, { name });
      if (!a || !b || !c) throw new Error('no pool');
      await newProbe();
      await a.set('x', 1);
      const held = await a.acquire({ key: 'x' });
      const order: string[] = [];
      // Each request is queued (seen in Redis) before the next is sent.
      const queue = async (who: string, pool: typeof a, n: number) => {
        const lease = pool.acquire({ key: 'x' }).then((l) => {
          order.push(who);
          return l;
        });
        await waitFor(async () => (await queued(name, 'x')) === n);
        return { lease };
      };
      const fromC = await queue('c', c, 1);
      const fromA = await queue('a', a, 2);
      const fromB = await queue('b', b, 3);
      await held.release();
      await (await fromC.lease).release();
      await (await fromA.lease).release();
      await (await fromB.lease).release();
      expect(order).toEqual(['c', 'a', 'b']);
    });

    anyKeyTest('an any-key waiter older than a keyed one is served first', async () => {
      const name = freshName();
      const [a, b] = await fleet.pool(2, { name });
      if (!a || !b) throw new Error('no pool');
      await newProbe();
      await a.set('x', 1);
      const held = await a.acquire();
      const anyKey = b.acquire();
      await waitFor(async () => (await queued(name)) === 1);
      const keyed = a.acquire({ key: 'x' });
      await waitFor(async () => (await queued(name, 'x')) === 1);
      await held.release();
      const granted = await anyKey;
      expect(granted.key).toBe('x');
      expect(await queued(name, 'x')).toBe(1);
      await granted.release();
      await (await keyed).release();
    });

    anyKeyTest('any-key grants rotate round-robin over the keys that can grant', async () => {
      const [a, b] = await fleet.pool(2);
      if (!a || !b) throw new Error('no pool');
      await a.set('k1', 2);
      await b.set('k2', 2);
      await a.set('k3', 1);
      const keys: string[] = [];
      const leases: RedisLease[] = [];
      for (const pool of [a, b, a, b, a]) {
        const lease = await pool.acquire();
        keys.push(lease.key);
        leases.push(lease);
      }
      expect(keys).toEqual(['k1', 'k2', 'k3', 'k1', 'k2']);
      await Promise.all(leases.map((l) => l.release()));
    });

    test('a release hands the capacity to a waiter of the same member', async () => {
      const name = freshName();
      const [a] = await fleet.pool(1, { name });
      if (!a) throw new Error('no pool');
      await newProbe();
      await a.set('x', 1);
      const held = await a.acquire({ key: 'x' });
      const waiting = a.acquire({ key: 'x' });
      await waitFor(async () => (await queued(name, 'x')) === 1);
      await held.release();
      const next = await waiting;
      expect(next.id).toBeGreaterThan(held.id);
      expect(await a.get('x')).toEqual({ target: 1, active: 1 });
      await next.release();
    });

    test('lease ids are unique and increasing across members, and never reused after every key is removed', async () => {
      const [a, b] = await fleet.pool(2);
      if (!a || !b) throw new Error('no pool');
      // Unique pool-wide; increasing per shard, hence per key (D9): with one shard, increasing pool-wide.
      const keys = keysInDistinctShards(shards, 2);
      const ids: number[] = [];
      const idsByShard = new Map<number, number[]>();
      const take = async (pool: typeof a, key: string) => {
        const lease = await pool.acquire({ key });
        ids.push(lease.id);
        const shard = shardOf(key, shards);
        idsByShard.set(shard, [...(idsByShard.get(shard) ?? []), lease.id]);
        await lease.release();
      };
      for (const key of keys) await a.set(key, 4);
      for (const pool of [a, b, b, a]) for (const key of keys) await take(pool, key);
      for (const key of keys) await a.set(key, 0);
      expect(await a.keys()).toEqual([]);
      const later = keyInShardOf(keys[0] as string, shards, 'y');
      await b.set(later, 1);
      await take(b, later);
      expect(new Set(ids).size).toBe(ids.length);
      for (const list of idsByShard.values()) expect([...list].sort((x, y) => x - y)).toEqual(list);
      if (shards === 1) expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    });

    test('tryAcquire takes nothing a waiter of another member is due, even racing the release', async () => {
      const name = freshName();
      const [a, b, c] = await fleet.pool(3, { name });
      if (!a || !b || !c) throw new Error('no pool');
      await newProbe();
      await a.set('x', 1);
      const held = await a.acquire({ key: 'x' });
      const waiting = b.acquire({ key: 'x' });
      await waitFor(async () => (await queued(name, 'x')) === 1);
      const [, tried] = await Promise.all([held.release(), c.tryAcquire({ key: 'x' })]);
      expect(tried).toBeUndefined();
      const lease = await waiting;
      expect(lease.key).toBe('x');
      await lease.release();
    });

    test('tryAcquire grants when nobody waits, and nothing once the key is full', async () => {
      const [a] = await fleet.pool(1);
      await a?.set('x', 1);
      const lease = await a?.tryAcquire({ key: 'x' });
      expect(lease?.key).toBe('x');
      expect(await a?.tryAcquire({ key: 'x' })).toBeUndefined();
      await lease?.release();
    });

    anyKeyTest('an any-key tryAcquire gets nothing when every key is full', async () => {
      const [a] = await fleet.pool(1);
      await a?.set('x', 1);
      const lease = await a?.tryAcquire({ key: 'x' });
      expect(await a?.tryAcquire()).toBeUndefined();
      await lease?.release();
    });

    test('an aborted acquire rejects with the reason and leaves the queue', async () => {
      const name = freshName();
      const [a, b] = await fleet.pool(2, { name });
      if (!a || !b) throw new Error('no pool');
      await newProbe();
      await a.set('x', 1);
      const held = await a.acquire({ key: 'x' });
      const controller = new AbortController();
      const waiting = b.acquire({ key: 'x', signal: controller.signal });
      await waitFor(async () => (await queued(name, 'x')) === 1);
      const reason = new Error('enough');
      controller.abort(reason);
      await expect(waiting).rejects.toBe(reason);
      await waitFor(async () => (await queued(name, 'x')) === 0);
      await held.release();
      expect(await a.get('x')).toEqual({ target: 1, active: 0 });
    });

    test('acquires and leases() sharing one signal add one listener to it, and its abort withdraws them all', async () => {
      const name = freshName();
      const [a] = await fleet.pool(1, { name });
      if (!a) throw new Error('no pool');
      await newProbe();
      const shutdown = new AbortController();
      const waiting = [
        ...Array.from({ length: 30 }, () => a.acquire({ key: 'x', signal: shutdown.signal })),
        ...Array.from({ length: 30 }, () => a.leases({ key: 'x', signal: shutdown.signal }).next()),
      ].map((p) => p.catch((error: unknown) => error));
      await waitFor(async () => (await queued(name, 'x')) === 60);
      expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1);
      const reason = new Error('shutting down');
      shutdown.abort(reason);
      expect(await Promise.all(waiting)).toEqual(Array.from({ length: 60 }, () => reason));
      await waitFor(async () => (await queued(name, 'x')) === 0);
      expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    });

    test('an abort racing a grant gives the lease back: never lost, never counted twice', async () => {
      const [a, b] = await fleet.pool(2);
      if (!a || !b) throw new Error('no pool');
      await a.set('x', 1);
      for (let round = 0; round < 20; round++) {
        const held = await a.acquire({ key: 'x' });
        const controller = new AbortController();
        const waiting = b.acquire({ key: 'x', signal: controller.signal });
        const release = held.release();
        if (round % 2) await release;
        controller.abort(new Error('raced'));
        const outcome = await waiting.then(
          (lease) => lease,
          () => undefined,
        );
        await release;
        await outcome?.release();
        await waitFor(async () => (await a.get('x')).active === 0, { what: `round ${round}: capacity back` });
      }
      const last = await b.tryAcquire({ key: 'x' });
      expect(last).toBeDefined();
      await last?.release();
    });

    test('an already aborted signal rejects at once and queues nothing', async () => {
      const name = freshName();
      const [a] = await fleet.pool(1, { name });
      await newProbe();
      const reason = new Error('before');
      await expect(a?.acquire({ key: 'x', signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      expect(await queued(name, 'x')).toBe(0);
    });

    test('lowering a target revokes the newest leases of every member with LeaseRevokedError', async () => {
      const [a, b, c] = await fleet.pool(3);
      if (!a || !b || !c) throw new Error('no pool');
      await c.set('x', 3);
      const oldest = await a.acquire({ key: 'x' });
      const middle = await b.acquire({ key: 'x' });
      const newest = await a.acquire({ key: 'x' });
      await c.set('x', 1);
      await waitFor(() => middle.signal.aborted && newest.signal.aborted, { what: 'revocations' });
      expect(middle.signal.reason).toBeInstanceOf(LeaseRevokedError);
      expect((newest.signal.reason as LeaseRevokedError).key).toBe('x');
      expect(oldest.signal.aborted).toBe(false);
      expect(await c.get('x')).toEqual({ target: 1, active: 3 });
      await c.set('x', 3);
      expect(middle.signal.aborted).toBe(true);
      await Promise.all([oldest.release(), middle.release(), newest.release()]);
      expect(await c.get('x')).toEqual({ target: 3, active: 0 });
    });

    test('set to 0 drains the group and removes it after its last release', async () => {
      const [a, b] = await fleet.pool(2);
      if (!a || !b) throw new Error('no pool');
      await a.set('x', 2);
      const lease = await b.acquire({ key: 'x' });
      await a.set('x', 0);
      await waitFor(() => lease.signal.aborted, { what: 'revocation' });
      expect(await a.tryAcquire({ key: 'x' })).toBeUndefined();
      await a.set('x', 1);
      expect(await a.get('x')).toEqual({ target: 1, active: 1 });
      await a.set('x', 0);
      await lease.release();
      expect(await a.get('x')).toEqual({ target: 0, active: 0 });
      expect(await a.keys()).toEqual([]);
    });

    test('a keyed waiter for a key with no group is served once the key is set, by any member', async () => {
      const [a, b] = await fleet.pool(2);
      if (!a || !b) throw new Error('no pool');
      const waiting = a.acquire({ key: 'later' });
      await b.set('later', 1);
      const lease = await waiting;
      expect(lease.key).toBe('later');
      await lease.release();
    });

    test('release is idempotent and a second release changes nothing', async () => {
      const [a] = await fleet.pool(1);
      if (!a) throw new Error('no pool');
      await a.set('x', 2);
      const one = await a.acquire({ key: 'x' });
      const two = await a.acquire({ key: 'x' });
      const first = one.release();
      expect(one.release()).toBe(first);
      await first;
      await one.release();
      expect(await a.get('x')).toEqual({ target: 2, active: 1 });
      await two.release();
    });

    test('run releases the lease however the function ends', async () => {
      const [a] = await fleet.pool(1);
      if (!a) throw new Error('no pool');
      await a.set('x', 1);
      expect(await a.run((lease) => lease.key, { key: 'x' })).toBe('x');
      await expect(
        a.run(
          () => {
            throw new Error('boom');
          },
          { key: 'x' },
        ),
      ).rejects.toThrow('boom');
      expect(await a.get('x')).toEqual({ target: 1, active: 0 });
    });

    test('leases iterates grants and withdraws its pending request when left', async () => {
      const name = freshName();
      const [a] = await fleet.pool(1, { name });
      if (!a) throw new Error('no pool');
      await newProbe();
      await a.set('x', 1);
      const seen: number[] = [];
      for await (const lease of a.leases({ key: 'x' })) {
        seen.push(lease.id);
        await lease.release();
        if (seen.length === 3) break;
      }
      expect(seen).toHaveLength(3);
      expect(await queued(name, 'x')).toBe(0);
    });

    test('await using releases the lease at the end of the block', async () => {
      const [a] = await fleet.pool(1);
      if (!a) throw new Error('no pool');
      await a.set('x', 1);
      {
        await using lease = await a.acquire({ key: 'x' });
        expect(lease.isZero()).toBe(false);
        expect(await a.get('x')).toEqual({ target: 1, active: 1 });
      }
      expect(await a.get('x')).toEqual({ target: 1, active: 0 });
    });
  },
);
