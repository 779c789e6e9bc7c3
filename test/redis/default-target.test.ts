import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { RedisLease, RedisPool } from '../../src/redis/index.js';
import { createRedisPool, ForeignValueError, PoolStoppedError } from '../../src/redis/index.js';
import { poolKeys } from '../../src/redis/redis-keys.js';
import { shardTag } from '../../src/redis/shards.js';
import type { TestClient } from './clients.js';
import { clientsAndShards, freshName, keyTag, queuedIn, TestFleet, useRedisServer } from './fleet.js';
import { redisTestsRun } from './redis-server.js';
import { waitFor } from './wait-for.js';

// D10: groups on demand across the fleet (`defaultTarget`, SPEC S12) and the fleet-wide `waiting()`.

const server = useRedisServer({ beforeAll, afterAll });

/** The hash tags of pool `name` (default prefix) of `shards` shards: its home tag, then each shard's (D9). */
function poolTags(name: string, shards: number): string[] {
  const home = poolKeys('workpool', name).tag;
  const tags = Array.from({ length: shards }, (_, i) => shardTag(home, i, shards));
  return shards === 1 ? tags : [home, ...tags];
}

/** Every Redis key of pool `name` (default prefix, `shards` shards), by SCAN of each of its hash tags. */
async function poolRedisKeys(client: TestClient, name: string, shards: number): Promise<string[]> {
  const found: string[] = [];
  for (const tag of poolTags(name, shards)) {
    let cursor = '0';
    do {
      const reply = (await client.command(['SCAN', cursor, 'MATCH', `${tag}*`, 'COUNT', '1000'])) as [string, string[]];
      cursor = String(reply[0]);
      found.push(...reply[1].map(String));
    } while (cursor !== '0');
  }
  return found.sort();
}

/** The pool's keys that only its members and its counters explain (under every tag): nothing of any group. */
function onlyMembersAndMeta(name: string, shards: number): string[] {
  return poolTags(name, shards)
    .flatMap((tag) => [`${tag}members`, `${tag}meta`])
    .sort();
}

// Per key on a pool of 4 shards too (D9); any-key requests, which such a pool refuses, on one shard only.
describe.runIf(redisTestsRun).each(clientsAndShards)(
  'groups on demand and waiting(), over %s with %i shard(s)',
  (kind, shards) => {
    let fleet: TestFleet;
    beforeAll(() => {
      fleet = new TestFleet(server.current(), kind, shards);
    });
    const anyKeyTest = shards === 1 ? test : test.skip;
    const queued = (probe: TestClient, name: string, key?: string) => queuedIn(probe, name, key, shards);
    afterEach(async () => {
      await fleet.close();
    });

    test('a tenant nobody set gets defaultTarget leases at a time fleet-wide, its waiters served FIFO across members', async () => {
      const name = freshName();
      const [a, b, c] = await fleet.pool(3, { name, defaultTarget: 2 });
      if (!a || !b || !c) throw new Error('no pool');
      const probe = await fleet.client();
      const first = await a.acquire({ key: 'tenant' });
      const second = await b.acquire({ key: 'tenant' });
      expect(await c.get('tenant')).toEqual({ target: 2, active: 2 });
      expect(await c.tryAcquire({ key: 'tenant' })).toBeUndefined();
      const order: string[] = [];
      const fromC = c.acquire({ key: 'tenant' }).then((lease) => {
        order.push('c');
        return lease;
      });
      await waitFor(async () => (await queued(probe, name, 'tenant')) === 1);
      const fromA = a.acquire({ key: 'tenant' }).then((lease) => {
        order.push('a');
        return lease;
      });
      await waitFor(async () => (await queued(probe, name, 'tenant')) === 2);
      await second.release();
      const third = await fromC;
      expect(order).toEqual(['c']);
      await first.release();
      const fourth = await fromA;
      expect(order).toEqual(['c', 'a']);
      expect(await b.get('tenant')).toEqual({ target: 2, active: 2 });
      await third.release();
      await fourth.release();
    });

    test('a group created on demand goes once its last lease is released: get counts { 0, 0 } and keys() omits it', async () => {
      const [a, b] = await fleet.pool(2, { defaultTarget: 1 });
      if (!a || !b) throw new Error('no pool');
      const lease = await a.acquire({ key: 'tenant' });
      expect(await b.keys()).toEqual(['tenant']);
      await lease.release();
      expect(await b.get('tenant')).toEqual({ target: 0, active: 0 });
      expect(await b.keys()).toEqual([]);
    });

    test('tryAcquire and leases() create a group on demand too', async () => {
      const [a] = await fleet.pool(1, { defaultTarget: 1 });
      if (!a) throw new Error('no pool');
      const tried = await a.tryAcquire({ key: 'tried' });
      expect(tried?.key).toBe('tried');
      const iterator = a.leases({ key: 'iterated' });
      const next = await iterator.next();
      expect((next.value as RedisLease | undefined)?.key).toBe('iterated');
      expect(await a.get('iterated')).toEqual({ target: 1, active: 1 });
      await tried?.release();
      await (next.value as RedisLease).release();
      await iterator.return?.();
    });

    anyKeyTest('an any-key request never creates a group', async () => {
      const name = freshName();
      const [a] = await fleet.pool(1, { name, defaultTarget: 1 });
      if (!a) throw new Error('no pool');
      const probe = await fleet.client();
      expect(await a.tryAcquire()).toBeUndefined();
      const controller = new AbortController();
      const pending = a.acquire({ signal: controller.signal });
      await waitFor(async () => (await queued(probe, name)) === 1);
      expect(await a.keys()).toEqual([]);
      controller.abort(new Error('done'));
      await expect(pending).rejects.toThrow('done');
    });

    anyKeyTest('a new group on demand serves an older any-key waiter first, as set() would', async () => {
      const name = freshName();
      const [a, b] = await fleet.pool(2, { name, defaultTarget: 1 });
      if (!a || !b) throw new Error('no pool');
      const probe = await fleet.client();
      const anyKey = a.acquire();
      await waitFor(async () => (await queued(probe, name)) === 1);
      expect(await b.tryAcquire({ key: 'tenant' })).toBeUndefined();
      const granted = await anyKey;
      expect(granted.key).toBe('tenant');
      const keyed = b.acquire({ key: 'tenant' });
      await waitFor(async () => (await queued(probe, name, 'tenant')) === 1);
      await granted.release();
      const lease = await keyed;
      await lease.release();
      expect(await a.keys()).toEqual([]);
    });

    test('set() makes a group created on demand ordinary: it stays when idle, until set(key, 0)', async () => {
      const [a, b] = await fleet.pool(2, { defaultTarget: 1 });
      if (!a || !b) throw new Error('no pool');
      const lease = await a.acquire({ key: 'tenant' });
      await b.set('tenant', 3);
      await lease.release();
      expect(await b.get('tenant')).toEqual({ target: 3, active: 0 });
      expect(await b.keys()).toEqual(['tenant']);
      await b.set('tenant', 0);
      expect(await b.keys()).toEqual([]);
    });

    test('a key that was set keeps its target: defaultTarget applies only to a key with no group', async () => {
      const [a] = await fleet.pool(1, { defaultTarget: 1 });
      if (!a) throw new Error('no pool');
      await a.set('big', 3);
      const leases = [
        await a.acquire({ key: 'big' }),
        await a.acquire({ key: 'big' }),
        await a.acquire({ key: 'big' }),
      ];
      expect(await a.get('big')).toEqual({ target: 3, active: 3 });
      for (const lease of leases) await lease.release();
    });

    test('a group removed in Redis shows as retired on the member that released its last lease', async () => {
      const [a] = await fleet.pool(1, { defaultTarget: 1 });
      if (!a) throw new Error('no pool');
      const lease = await a.acquire({ key: 'tenant' });
      const child = a.actor.getSnapshot().context.groups.byKey.get('tenant');
      expect(child?.getSnapshot().context).toMatchObject({ target: 1, active: 1 });
      await lease.release();
      expect(child?.getSnapshot().value).toBe('retired');
      expect(a.actor.getSnapshot().context.groups.byKey.has('tenant')).toBe(false);
    });

    // The scale D10 names (10,000 tenants) on the sharded node-redis pool; 2,000 elsewhere keeps the suite's time.
    const tenants = kind === 'node-redis' && shards > 1 ? 10_000 : 2_000;
    test(`${tenants.toLocaleString('en')} tenants that came and went (granted, handed off, aborted, tried, held by a member that stopped or died) leave nothing of a group in Redis`, async () => {
      const name = freshName();
      const a = (await fleet.member(name, { defaultTarget: 1 })).pool;
      const b = (await fleet.member(name, { defaultTarget: 1 })).pool;
      const stopping = (await fleet.member(name, { defaultTarget: 1 })).pool;
      // Short-lived, so that it is reaped within the test (the next get, keys or heartbeat of another member).
      const dying = await fleet.member(name, { defaultTarget: 1, leaseTtl: 300 });
      const probe = await fleet.client();
      const tenant = (i: number) => `tenant:${i}|{${i}}`;
      const cycle = async (i: number): Promise<void> => {
        const key = tenant(i);
        const held = await a.acquire({ key });
        switch (i % 4) {
          case 0: {
            // A waiter of another member takes the lease over (handoff), then releases it.
            const next = b.acquire({ key });
            await held.release();
            await (await next).release();
            return;
          }
          case 1: {
            // A waiter aborted while the lease is out.
            const controller = new AbortController();
            const next = b.acquire({ key, signal: controller.signal });
            controller.abort(new Error('aborted'));
            await next.then((lease) => lease.release()).catch(() => {});
            await held.release();
            return;
          }
          case 2: {
            // A try that finds the tenant busy, and one that finds it free.
            expect(await b.tryAcquire({ key })).toBeUndefined();
            await held.release();
            const tried = await b.tryAcquire({ key });
            await tried?.release();
            return;
          }
          default:
            await held.release();
        }
      };
      for (let start = 0; start < tenants; start += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, j) => cycle(start + j)));
      }
      // Tenants held, and waited for, by a member that stops and by one that dies (reaped).
      const stopHeld = await Promise.all(Array.from({ length: 20 }, (_, j) => stopping.acquire({ key: tenant(j) })));
      await Promise.all(Array.from({ length: 20 }, (_, j) => dying.pool.acquire({ key: tenant(100 + j) })));
      for (let j = 0; j < 20; j++) dying.pool.acquire({ key: tenant(j) }).catch(() => {});
      await waitFor(async () => (await a.waiting()) === 20, { what: 'the dying member’s waiters' });
      await stopping.stop();
      for (const lease of stopHeld) await lease.release();
      await stopping.done;
      await dying.client.close();
      await waitFor(
        async () =>
          (await a.keys()).length === 0 &&
          JSON.stringify(await poolRedisKeys(probe, name, shards)) === JSON.stringify(onlyMembersAndMeta(name, shards)),
        { timeout: 10_000, what: 'a pool holding nothing of a group' },
      );
      expect(await a.keys()).toEqual([]);
      expect(await a.waiting()).toBe(0);
      // Left in every shard: a and b (the member that stopped left, the one that died was reaped by keys()).
      // The home keys of a sharded pool (membership only) reap at the live members' next heartbeat there.
      const membersUnder = async (tag: string) =>
        (await probe.command(['ZRANGE', `${tag}members`, '0', '-1'])) as string[];
      const [first, ...rest] = poolTags(name, shards);
      const shardTags = shards === 1 ? [first as string] : rest;
      for (const tag of shardTags) expect((await membersUnder(tag)).sort()).toEqual([a.member, b.member].sort());
      if (shards > 1) expect(await membersUnder(first as string)).not.toContain(stopping.member);
    }, 60_000);

    test('waiting() counts every member’s waiters, all or per key, fleet-wide', async () => {
      const name = freshName();
      const [a, b] = await fleet.pool(2, { name, defaultTarget: 1 });
      if (!a || !b) throw new Error('no pool');
      const probe = await fleet.client();
      const heldX = await a.acquire({ key: 'x' });
      const heldY = await a.acquire({ key: 'y' });
      const controller = new AbortController();
      const signal = controller.signal;
      const pending = [
        a.acquire({ key: 'x', signal }),
        b.acquire({ key: 'x', signal }),
        b.acquire({ key: 'y', signal }),
      ];
      await waitFor(async () => (await queued(probe, name, 'x')) === 2 && (await queued(probe, name, 'y')) === 1);
      if (shards === 1) {
        pending.push(b.acquire({ signal }));
        await waitFor(async () => (await queued(probe, name)) === 1);
      }
      // x and y are in different shards of 4: waiting() sums them (D9).
      expect(await a.waiting()).toBe(shards === 1 ? 4 : 3);
      expect(await b.waiting({ key: 'x' })).toBe(2);
      expect(await a.waiting({ key: 'y' })).toBe(1);
      expect(await a.waiting({ key: 'z' })).toBe(0);
      controller.abort(new Error('done'));
      await Promise.allSettled(pending);
      await waitFor(async () => (await b.waiting()) === 0, { what: 'the withdrawn waiters uncounted' });
      await heldX.release();
      await heldY.release();
    });

    test('waiting() goes down as waiters are granted, withdrawn and dropped with a member that stops', async () => {
      const name = freshName();
      const [a, b] = await fleet.pool(2, { name, defaultTarget: 1 });
      if (!a || !b) throw new Error('no pool');
      const probe = await fleet.client();
      const held = await a.acquire({ key: 'x' });
      const granted = a.acquire({ key: 'x' });
      await waitFor(async () => (await queued(probe, name, 'x')) === 1);
      const controller = new AbortController();
      const withdrawn = a.acquire({ key: 'x', signal: controller.signal });
      const dropped = b.acquire({ key: 'x' });
      await waitFor(async () => (await queued(probe, name, 'x')) === 3);
      expect(await a.waiting()).toBe(3);
      await held.release();
      const lease = await granted;
      expect(await a.waiting()).toBe(2);
      controller.abort(new Error('done'));
      await expect(withdrawn).rejects.toThrow('done');
      await waitFor(async () => (await a.waiting()) === 1, { what: 'the withdrawn waiter uncounted' });
      const droppedOutcome = expect(dropped).rejects.toThrow(PoolStoppedError);
      await b.stop();
      await droppedOutcome;
      expect(await a.waiting()).toBe(0);
      await lease.release();
    });

    test('a member asking another defaultTarget than the pool’s live members fails to join, naming both, having written nothing', async () => {
      const name = freshName();
      await fleet.pool(1, { name, defaultTarget: 2 });
      const probe = await fleet.client();
      const { tag } = poolKeys('workpool', name);
      const before = await probe.command(['HGETALL', `${tag}meta`]);
      const client = await fleet.client();
      await expect(createRedisPool({ redis: client.client, name, shards, defaultTarget: 3 })).rejects.toThrow(
        /`defaultTarget` to be 2.*got 3/,
      );
      await expect(createRedisPool({ redis: client.client, name, shards })).rejects.toThrow(
        /`defaultTarget` to be 2.*got none/,
      );
      expect(await probe.command(['HGETALL', `${tag}meta`])).toEqual(before);
      expect(await probe.command(['ZCARD', `${tag}members`])).toBe(1);
    });

    test('a member asking a defaultTarget in a pool whose live members use none fails to join, naming both', async () => {
      const name = freshName();
      await fleet.pool(1, { name });
      const client = await fleet.client();
      await expect(createRedisPool({ redis: client.client, name, shards, defaultTarget: 1 })).rejects.toThrow(
        /`defaultTarget` to be none.*got 1/,
      );
    });

    test('a pool with no live member takes the defaultTarget of the next member that joins', async () => {
      const name = freshName();
      const [first] = await fleet.pool(1, { name, defaultTarget: 2 });
      await first?.stop();
      await first?.done;
      const [second] = await fleet.pool(1, { name, defaultTarget: 3 });
      if (!second) throw new Error('no pool');
      const leases = [
        await second.acquire({ key: 't' }),
        await second.acquire({ key: 't' }),
        await second.acquire({ key: 't' }),
      ];
      expect(await second.get('t')).toEqual({ target: 3, active: 3 });
      for (const lease of leases) await lease.release();
    });

    test('without defaultTarget a keyed request for a key nobody set waits, as before', async () => {
      const name = freshName();
      const [a] = await fleet.pool(1, { name });
      if (!a) throw new Error('no pool');
      expect(await a.tryAcquire({ key: 'tenant' })).toBeUndefined();
      expect(await a.keys()).toEqual([]);
    });

    test('a groups field with another mark than the on-demand one is refused as a foreign value, changing nothing', async () => {
      const name = freshName();
      const [a] = await fleet.pool(1, { name, defaultTarget: 1 });
      if (!a) throw new Error('no pool');
      const probe = await fleet.client();
      const tag = keyTag(name, 't', shards);
      await probe.command(['HSET', `${tag}groups`, 't', '1 0 1 x']);
      await expect(a.acquire({ key: 't' })).rejects.toBeInstanceOf(ForeignValueError);
      await expect(a.get('t')).rejects.toBeInstanceOf(ForeignValueError);
      expect(await probe.command(['HGET', `${tag}groups`, 't'])).toBe('1 0 1 x');
    });

    test.each([
      [0, RangeError],
      [-1, RangeError],
      [1.5, RangeError],
      [Number.NaN, RangeError],
      [Number.POSITIVE_INFINITY, RangeError],
      [2 ** 53, RangeError],
      ['2', TypeError],
      [null, TypeError],
    ])('createRedisPool refuses defaultTarget %s with a %O naming it', async (value, kind) => {
      const client = await fleet.client();
      const name = freshName();
      const attempt = createRedisPool({ redis: client.client, name, shards, defaultTarget: value as number });
      await expect(attempt).rejects.toThrow(kind);
      await expect(attempt).rejects.toThrow(/`defaultTarget`/);
      const { tag } = poolKeys('workpool', name);
      expect(await client.command(['EXISTS', `${tag}meta`])).toBe(0);
    });

    test.each([
      [{ key: 1 }, TypeError],
      [{ other: 'x' }, TypeError],
      ['x', TypeError],
    ])('waiting(%O) is refused with a %O', async (options, kind) => {
      const [a] = await fleet.pool(1);
      if (!a) throw new Error('no pool');
      await expect((a as RedisPool).waiting(options as never)).rejects.toThrow(kind);
    });
  },
);
