import { getEventListeners } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { RedisLease } from '../../src/redis/index.js';
import { LeaseRevokedError } from '../../src/redis/index.js';
import { clientKinds, type TestClient } from './clients.js';
import { freshName, queuedIn, TestFleet, useRedisServer } from './fleet.js';
import { redisTestsRun } from './redis-server.js';
import { waitFor } from './wait-for.js';

const server = useRedisServer({ beforeAll, afterAll });

// D1: S1-S7 and S11 hold across the members of a pool as if they were one process.
describe.runIf(redisTestsRun).each(clientKinds)('one pool for the fleet, over %s', (kind) => {
  let fleet: TestFleet;
  let probe: TestClient;
  beforeAll(async () => {
    fleet = new TestFleet(server.current(), kind);
  });
  afterEach(async () => {
    await fleet.close();
  });
  const newProbe = async () => {
    probe = await fleet.client();
    return probe;
  };

  test('keys lists every group fleet-wide, in creation order, draining ones included', async () => {
    const [a, b] = await fleet.pool(2);
    if (!a || !b) throw new Error('no pool');
    await a.set('c', 1);
    await b.set('a', 1);
    await a.set('b', 1);
    const lease = await b.acquire({ key: 'a' });
    await a.set('a', 0);
    expect(await b.keys()).toEqual(['c', 'a', 'b']);
    expect(await a.get('a')).toEqual({ target: 0, active: 1 });
    await lease.release();
    expect(await a.keys()).toEqual(['c', 'b']);
  });

  test('waiters of different members are served in the order their requests reached Redis', async () => {
    const name = freshName();
    const [a, b, c] = await fleet.pool(3, { name });
    if (!a || !b || !c) throw new Error('no pool');
    await newProbe();
    await a.set('x', 1);
    const held = await a.acquire();
    const order: string[] = [];
    // Each request is queued (seen in Redis) before the next is sent.
    const queue = async (who: string, pool: typeof a, n: number) => {
      const lease = pool.acquire({ key: 'x' }).then((l) => {
        order.push(who);
        return l;
      });
      await waitFor(async () => (await queuedIn(probe, name, 'x')) === n);
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

  test('an any-key waiter older than a keyed one is served first', async () => {
    const name = freshName();
    const [a, b] = await fleet.pool(2, { name });
    if (!a || !b) throw new Error('no pool');
    await newProbe();
    await a.set('x', 1);
    const held = await a.acquire();
    const anyKey = b.acquire();
    await waitFor(async () => (await queuedIn(probe, name)) === 1);
    const keyed = a.acquire({ key: 'x' });
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 1);
    await held.release();
    const granted = await anyKey;
    expect(granted.key).toBe('x');
    expect(await queuedIn(probe, name, 'x')).toBe(1);
    await granted.release();
    await (await keyed).release();
  });

  test('any-key grants rotate round-robin over the keys that can grant', async () => {
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
    const held = await a.acquire();
    const waiting = a.acquire({ key: 'x' });
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 1);
    await held.release();
    const next = await waiting;
    expect(next.id).toBeGreaterThan(held.id);
    expect(await a.get('x')).toEqual({ target: 1, active: 1 });
    await next.release();
  });

  test('lease ids are unique and increasing across members, and never reused after every key is removed', async () => {
    const [a, b] = await fleet.pool(2);
    if (!a || !b) throw new Error('no pool');
    await a.set('x', 4);
    const ids: number[] = [];
    for (const pool of [a, b, b, a]) {
      const lease = await pool.acquire();
      ids.push(lease.id);
      await lease.release();
    }
    await a.set('x', 0);
    expect(await a.keys()).toEqual([]);
    await b.set('y', 1);
    const later = await b.acquire();
    ids.push(later.id);
    await later.release();
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
  });

  test('tryAcquire takes nothing a waiter of another member is due, even racing the release', async () => {
    const name = freshName();
    const [a, b, c] = await fleet.pool(3, { name });
    if (!a || !b || !c) throw new Error('no pool');
    await newProbe();
    await a.set('x', 1);
    const held = await a.acquire();
    const waiting = b.acquire({ key: 'x' });
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 1);
    const [, tried] = await Promise.all([held.release(), c.tryAcquire({ key: 'x' })]);
    expect(tried).toBeUndefined();
    const lease = await waiting;
    expect(lease.key).toBe('x');
    await lease.release();
  });

  test('tryAcquire grants when nobody waits', async () => {
    const [a] = await fleet.pool(1);
    await a?.set('x', 1);
    const lease = await a?.tryAcquire({ key: 'x' });
    expect(lease?.key).toBe('x');
    expect(await a?.tryAcquire()).toBeUndefined();
    await lease?.release();
  });

  test('an aborted acquire rejects with the reason and leaves the queue', async () => {
    const name = freshName();
    const [a, b] = await fleet.pool(2, { name });
    if (!a || !b) throw new Error('no pool');
    await newProbe();
    await a.set('x', 1);
    const held = await a.acquire();
    const controller = new AbortController();
    const waiting = b.acquire({ key: 'x', signal: controller.signal });
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 1);
    const reason = new Error('enough');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 0);
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
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 60);
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1);
    const reason = new Error('shutting down');
    shutdown.abort(reason);
    expect(await Promise.all(waiting)).toEqual(Array.from({ length: 60 }, () => reason));
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 0);
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  });

  test('an abort racing a grant gives the lease back: never lost, never counted twice', async () => {
    const [a, b] = await fleet.pool(2);
    if (!a || !b) throw new Error('no pool');
    await a.set('x', 1);
    for (let round = 0; round < 20; round++) {
      const held = await a.acquire();
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
    expect(await queuedIn(probe, name, 'x')).toBe(0);
  });

  test('lowering a target revokes the newest leases of every member with LeaseRevokedError', async () => {
    const [a, b, c] = await fleet.pool(3);
    if (!a || !b || !c) throw new Error('no pool');
    await c.set('x', 3);
    const oldest = await a.acquire();
    const middle = await b.acquire();
    const newest = await a.acquire();
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
    const lease = await b.acquire();
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
    const one = await a.acquire();
    const two = await a.acquire();
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
    expect(await a.run((lease) => lease.key)).toBe('x');
    await expect(
      a.run(() => {
        throw new Error('boom');
      }),
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
    expect(await queuedIn(probe, name, 'x')).toBe(0);
  });

  test('await using releases the lease at the end of the block', async () => {
    const [a] = await fleet.pool(1);
    if (!a) throw new Error('no pool');
    await a.set('x', 1);
    {
      await using lease = await a.acquire();
      expect(lease.isZero()).toBe(false);
      expect(await a.get('x')).toEqual({ target: 1, active: 1 });
    }
    expect(await a.get('x')).toEqual({ target: 1, active: 0 });
  });
});
