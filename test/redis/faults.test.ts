import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  createRedisPool,
  LeaseLostError,
  LeaseRevokedError,
  PoolStoppedError,
  RedisPoolError,
} from '../../src/redis/index.js';
import { poolKeys } from '../../src/redis/redis-keys.js';
import { shardTag } from '../../src/redis/shards.js';
import { connectClient, type TestClient } from './clients.js';
import { clientsAndShards, freshName, keysInDistinctShards, queuedIn, TestFleet, useRedisServer } from './fleet.js';
import { redisTestsRun, startRedisServer } from './redis-server.js';
import { waitFor } from './wait-for.js';

const server = useRedisServer({ beforeAll, afterAll });

/** Short, so that reaping happens within a test; heartbeats every 100 ms. */
const leaseTtl = 300;

/** Every hash tag a member of pool `name` (default prefix, `shards` shards) is a member under: the home one, and each shard's (D9). */
function memberTags(name: string, shards: number): string[] {
  const home = poolKeys('workpool', name).tag;
  return [...new Set([home, ...Array.from({ length: shards }, (_, i) => shardTag(home, i, shards))])];
}

// D3, D5, D6 per key, on a pool of 4 shards too (D9): a member is alive, reaped and leaves in every shard.
describe.runIf(redisTestsRun).each(clientsAndShards)(
  'liveness, stop and faults, over %s with %i shard(s)',
  (kind, shards) => {
    let fleet: TestFleet;
    let probe: TestClient;
    beforeAll(() => {
      fleet = new TestFleet(server.current(), kind, shards);
    });
    const queued = (name: string, key: string) => queuedIn(probe, name, key, shards);
    afterEach(async () => {
      await fleet.close();
    });

    test('a member whose heartbeat stops is reaped: its waiters are dropped and its capacity reaches the oldest live waiter', async () => {
      const name = freshName();
      const dead = await fleet.member(name, { leaseTtl });
      const live = (await fleet.member(name, { leaseTtl })).pool;
      probe = await fleet.client();
      await live.set('x', 1);
      const held = await dead.pool.acquire({ key: 'x' });
      dead.pool.acquire({ key: 'x' }).catch(() => {});
      await waitFor(async () => (await queued(name, 'x')) === 1);
      const waiting = live.acquire({ key: 'x' });
      await waitFor(async () => (await queued(name, 'x')) === 2);
      await dead.client.close();
      // D3: back within leaseTtl + one heartbeat interval (plus slack for a busy machine).
      let granted = false;
      void waiting.then(() => {
        granted = true;
      });
      await waitFor(() => granted, { timeout: leaseTtl + leaseTtl / 3 + 700, what: 'the dead member’s capacity' });
      const lease = await waiting;
      expect(lease.id).toBeGreaterThan(held.id);
      expect(await queued(name, 'x')).toBe(0);
      await lease.release();
    });

    test('a dead member’s leases in several shards all come back, each to its key’s oldest live waiter', async () => {
      const name = freshName();
      const dead = await fleet.member(name, { leaseTtl });
      const live = (await fleet.member(name, { leaseTtl })).pool;
      probe = await fleet.client();
      // A key in every shard (with one shard, three keys in it).
      const keys = keysInDistinctShards(shards, shards === 1 ? 3 : shards);
      for (const key of keys) await live.set(key, 1);
      const held = await Promise.all(keys.map((key) => dead.pool.acquire({ key })));
      const waiting = keys.map((key) => live.acquire({ key }));
      await waitFor(async () => (await Promise.all(keys.map((key) => queued(name, key)))).every((n) => n === 1));
      await dead.client.close();
      // D3: back within leaseTtl + one heartbeat interval (plus slack for a busy machine), in every shard.
      let granted = 0;
      for (const lease of waiting) void lease.then(() => granted++);
      await waitFor(() => granted === keys.length, {
        timeout: leaseTtl + leaseTtl / 3 + 700,
        what: 'the dead member’s capacity in every shard',
      });
      const leases = await Promise.all(waiting);
      for (const [i, lease] of leases.entries()) {
        expect(lease.key).toBe(keys[i]);
        expect(lease.id).toBeGreaterThan(held[i]?.id ?? Number.POSITIVE_INFINITY);
        await lease.release();
      }
    });

    test('a lease whose member cannot heartbeat is lost: its signal aborts with LeaseLostError and its late release changes nothing', async () => {
      const name = freshName();
      const dead = await fleet.member(name, { leaseTtl });
      const live = (await fleet.member(name, { leaseTtl })).pool;
      await live.set('x', 1);
      const held = await dead.pool.acquire({ key: 'x' });
      await dead.client.close();
      await waitFor(() => held.signal.aborted, { timeout: 2_000, what: 'the lost lease’s signal' });
      const reason = held.signal.reason as LeaseLostError;
      expect(reason).toBeInstanceOf(LeaseLostError);
      expect(reason.leaseId).toBe(held.id);
      expect(reason.key).toBe('x');
      const taken = await live.acquire({ key: 'x' });
      await held.release();
      expect(await live.get('x')).toEqual({ target: 1, active: 1 });
      await taken.release();
      expect(await live.get('x')).toEqual({ target: 1, active: 0 });
    });

    test('a lease is lost at its local deadline when heartbeats hang (Redis paused past leaseTtl), and its capacity comes back after', async () => {
      const name = freshName();
      const [a, b] = await fleet.pool(2, { name, leaseTtl });
      if (!a || !b) throw new Error('no pool');
      probe = await fleet.client();
      await a.set('x', 1);
      const held = await a.acquire({ key: 'x' });
      const waiting = b.acquire({ key: 'x' });
      await waitFor(async () => (await queued(name, 'x')) === 1);
      await probe.command(['CLIENT', 'PAUSE', String(leaseTtl * 3), 'ALL']);
      // No reply reaches the member while Redis is paused: its own deadline decides.
      await waitFor(() => held.signal.aborted, { timeout: leaseTtl * 3, interval: 5, what: 'the local deadline' });
      expect(held.signal.reason).toBeInstanceOf(LeaseLostError);
      const lease = await waiting;
      expect(lease.id).toBeGreaterThan(held.id);
      await held.release();
      expect(await b.get('x')).toEqual({ target: 1, active: 1 });
      await lease.release();
      expect(await b.get('x')).toEqual({ target: 1, active: 0 });
    });

    test('stop rejects pending acquires, withdraws them, aborts lease signals; leases count until released, then the member leaves', async () => {
      const name = freshName();
      const [a, b] = await fleet.pool(2, { name });
      if (!a || !b) throw new Error('no pool');
      probe = await fleet.client();
      await a.set('x', 2);
      const held = await a.acquire({ key: 'x' });
      const pending = a.acquire({ key: 'y' }).catch((error: unknown) => error);
      await waitFor(async () => (await queued(name, 'y')) === 1);
      let signalled = false;
      a.signal.addEventListener('abort', () => {
        signalled = true;
      });
      await a.stop();
      expect(signalled).toBe(true);
      expect(a.stopped).toBe(true);
      expect(await pending).toBeInstanceOf(PoolStoppedError);
      expect(await queued(name, 'y')).toBe(0);
      expect(held.signal.reason).toBeInstanceOf(PoolStoppedError);
      await expect(a.acquire({ key: 'x' })).rejects.toBeInstanceOf(PoolStoppedError);
      await expect(a.set('x', 1)).rejects.toBeInstanceOf(PoolStoppedError);
      expect(await a.tryAcquire({ key: 'x' })).toBeUndefined();
      expect(await b.get('x')).toEqual({ target: 2, active: 1 });
      // A member under every tag (the home one and each shard's) until its last lease is released.
      const tags = memberTags(name, shards);
      const memberUnder = async (tag: string) => (await probe.command(['ZSCORE', `${tag}members`, a.member])) !== null;
      for (const tag of tags) expect(await memberUnder(tag)).toBe(true);
      await held.release();
      await a.done;
      expect(await b.get('x')).toEqual({ target: 2, active: 0 });
      for (const tag of tags) expect(await memberUnder(tag)).toBe(false);
      expect(a.actor.getSnapshot().status).toBe('done');
    });

    test('a stopping member whose leases are lost meanwhile leaves without waiting for their release', async () => {
      const [a] = await fleet.pool(1, { leaseTtl });
      if (!a) throw new Error('no pool');
      probe = await fleet.client();
      await a.set('x', 1);
      const held = await a.acquire({ key: 'x' });
      await a.stop();
      await probe.command(['FLUSHALL']);
      await a.done;
      expect(held.signal.reason).toBeInstanceOf(PoolStoppedError);
      await held.release();
    });

    test('a member stopped with no lease out leaves at once', async () => {
      const [a] = await fleet.pool(1);
      await a?.stop();
      await a?.done;
      expect(a?.actor.getSnapshot().value).toBe('stopped');
    });

    test('the signal option stops the member', async () => {
      const controller = new AbortController();
      const [a] = await fleet.pool(1, { signal: controller.signal });
      controller.abort();
      await a?.done;
      expect(a?.stopped).toBe(true);
    });

    test('a grant and a revocation whose notices were lost reach the member at its next heartbeat', async () => {
      const name = freshName();
      const a = (await fleet.member(name)).pool;
      probe = await fleet.client();
      // b's own user, so that its notification channel can be taken away from it alone.
      const user = `notices-${name}`;
      await probe.command(['ACL', 'SETUSER', user, 'on', '>secret', '~*', '&*', '+@all']);
      const bClient = await connectClient(kind, server.current().url, { username: user, password: 'secret' });
      fleet.clients.push(bClient);
      const b = await createRedisPool({ redis: bClient.client, name, leaseTtl, shards });
      fleet.members.push({ pool: b, client: bClient });
      await a.set('x', 2);
      const first = await b.acquire({ key: 'x' });
      const held = await a.acquire({ key: 'x' });
      const waiting = b.acquire({ key: 'x' });
      await waitFor(async () => (await queued(name, 'x')) === 1);
      // Redis drops b's subscription and refuses it again: every notice to b from now on is lost.
      await probe.command(['ACL', 'SETUSER', user, 'resetchannels']);
      await held.release();
      const lease = await waiting;
      expect(lease.id).toBeGreaterThan(held.id);
      await a.set('x', 1);
      await waitFor(() => lease.signal.aborted, { what: 'the revocation' });
      expect(lease.signal.reason).toBeInstanceOf(LeaseRevokedError);
      expect(first.signal.aborted).toBe(false);
      await Promise.all([first.release(), lease.release()]);
      expect(await a.get('x')).toEqual({ target: 1, active: 0 });
    });

    test('SCRIPT FLUSH in the middle of a run goes unnoticed', async () => {
      const [a, b] = await fleet.pool(2);
      if (!a || !b) throw new Error('no pool');
      probe = await fleet.client();
      await a.set('x', 1);
      const held = await a.acquire({ key: 'x' });
      const waiting = b.acquire({ key: 'x' });
      await probe.command(['SCRIPT', 'FLUSH']);
      await held.release();
      const lease = await waiting;
      await probe.command(['SCRIPT', 'FLUSH']);
      await lease.release();
      expect(await b.get('x')).toEqual({ target: 1, active: 0 });
    });

    test('when Redis loses its data, members rejoin by themselves: old leases are lost, pending acquires queue again', async () => {
      const name = freshName();
      const [a, b] = await fleet.pool(2, { name, leaseTtl });
      if (!a || !b) throw new Error('no pool');
      probe = await fleet.client();
      await a.set('x', 1);
      const held = await a.acquire({ key: 'x' });
      const waiting = b.acquire({ key: 'x' });
      await waitFor(async () => (await queued(name, 'x')) === 1);
      await probe.command(['FLUSHALL']);
      await waitFor(() => held.signal.aborted, { what: 'the lost lease' });
      expect(held.signal.reason).toBeInstanceOf(LeaseLostError);
      await waitFor(async () => (await queued(name, 'x')) === 1, { what: 'the waiter queued again' });
      await a.set('x', 1);
      const lease = await waiting;
      // Lease ids keep rising across the loss: the members handed Redis the highest they had seen.
      expect(lease.id).toBeGreaterThan(held.id);
      await held.release();
      expect(await a.get('x')).toEqual({ target: 1, active: 1 });
      await lease.release();
    });
  },
);

describe.runIf(redisTestsRun).each(clientsAndShards)('Redis unreachable, over %s with %i shard(s)', (kind, shards) => {
  test('calls reject with the client’s error as cause; a pending acquire keeps waiting and is served once Redis is back', async () => {
    let own = await startRedisServer();
    const fleet = new TestFleet(own, kind, shards);
    try {
      const name = freshName();
      const [a, b] = await fleet.pool(2, { name, leaseTtl: 600 });
      if (!a || !b) throw new Error('no pool');
      await a.set('x', 1);
      const held = await a.acquire({ key: 'x' });
      const waiting = b.acquire({ key: 'x' });
      const probe = await fleet.client();
      await waitFor(async () => (await queuedIn(probe, name, 'x', shards)) === 1);
      await own.stop();
      const error = await a.get('x').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RedisPoolError);
      expect((error as RedisPoolError).cause).toBeInstanceOf(Error);
      await expect(b.acquire({ key: 'x' })).rejects.toBeInstanceOf(RedisPoolError);
      const released = held.release();
      own = await startRedisServer({ port: own.port });
      // Redis came back without its data: the release resolves (the lease is lost, or released in a Redis that
      // no longer knew it), and its signal, released, never aborts.
      await released;
      expect(held.signal.aborted).toBe(false);
      await waitFor(
        async () => {
          try {
            await a.set('x', 1);
            return true;
          } catch {
            return false;
          }
        },
        { what: 'set after the restart' },
      );
      const lease = await waiting;
      expect(lease.key).toBe('x');
      await lease.release();
    } finally {
      await fleet.close();
      await own.stop();
    }
  });
});
