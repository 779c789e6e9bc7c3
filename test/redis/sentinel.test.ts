import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRedisPool, type RedisLease, type RedisPool } from '../../src/redis/index.js';
import { poolKeys } from '../../src/redis/redis-keys.js';
import { clientKinds, connectClient, connectSentinelClient, type TestClient } from './clients.js';
import { freshName, queuedIn } from './fleet.js';
import { redisTestsRun } from './redis-server.js';
import { type SentinelSet, startSentinelSet } from './sentinel.js';
import { waitFor } from './wait-for.js';

/** Short, so that the members' memberships expire on the replica during the failover and they rejoin. */
const leaseTtl = 1_500;

/** A failover here takes ~1–3 s; more on a busy machine. */
const promotionTimeout = 15_000;

describe.runIf(redisTestsRun).each(clientKinds)('a pool through Sentinel, over %s', (kind) => {
  let set: SentinelSet;
  const clients: TestClient[] = [];
  const pools: RedisPool[] = [];

  /** A member of pool `name` on a client of its own through the sentinels. */
  async function member(name: string, ttl = leaseTtl): Promise<RedisPool> {
    const client = await connectSentinelClient(kind, set);
    clients.push(client);
    const pool = await createRedisPool({ redis: client.client, name, leaseTtl: ttl });
    pools.push(pool);
    return pool;
  }

  beforeAll(async () => {
    set = await startSentinelSet();
  });
  afterAll(async () => {
    await Promise.allSettled(pools.map((pool) => pool.stop()));
    await Promise.allSettled(clients.map((client) => client.close()));
    await set?.stop();
  });

  test('createRedisPool accepts a Sentinel client, and a lease is acquired and released', async () => {
    const pool = await member(freshName());
    await pool.set('k', 1);
    const lease = await pool.acquire({ key: 'k' });
    expect(await pool.get('k')).toEqual({ target: 1, active: 1 });
    await lease.release();
    expect(await pool.get('k')).toEqual({ target: 1, active: 0 });
  });

  describe('after the primary is killed and the replica promoted', () => {
    let worker: RedisPool;
    let notified: { name: string; releaser: RedisPool; waiter: RedisPool };
    /** A plain client on the promoted replica, to see what the new primary holds. */
    let promoted: TestClient;

    beforeAll(async () => {
      worker = await member(freshName());
      await worker.set('before', 1);
      const name = freshName();
      // The waiter heartbeats every 10 s: a grant within a second of the release was pushed, not found by a heartbeat.
      notified = { name, releaser: await member(name), waiter: await member(name, 30_000) };
      await notified.releaser.set('k', 1);
      await set.caughtUp();
      await set.killPrimary();
      await set.waitForPromotion(promotionTimeout);
      promoted = await connectClient('node-redis', set.replica.url);
      clients.push(promoted);
    });

    test('the same member sets, acquires and releases again within seconds', async () => {
      // Redis unreachable, set rejects (D6); the client finds the new primary by itself within a few seconds.
      await waitFor(() => worker.set('after', 1).then(() => true), {
        timeout: 5_000,
        what: 'a set on the new primary',
      });
      const lease = await worker.acquire({ key: 'after', signal: AbortSignal.timeout(3_000) });
      expect(await worker.get('after')).toEqual({ target: 1, active: 1 });
      await lease.release();
      expect(await worker.get('after')).toEqual({ target: 1, active: 0 });
      expect(worker.stopped).toBe(false);
    });

    test('each member’s notification connection is subscribed on the new primary', async () => {
      const { tag } = poolKeys('workpool', notified.name);
      const subscribers = async (member: string) =>
        ((await promoted.command(['PUBSUB', 'NUMSUB', `${tag}ch:${member}`])) as [string, number])[1];
      await waitFor(async () => (await subscribers(notified.releaser.member)) === 1, {
        timeout: 5_000,
        what: 'the releaser’s channel subscribed on the new primary',
      });
      await waitFor(async () => (await subscribers(notified.waiter.member)) === 1, {
        timeout: 5_000,
        what: 'the waiter’s channel subscribed on the new primary',
      });
    });

    test('a waiter of another member is granted by a pushed notice, not at its next heartbeat', async () => {
      const { releaser, waiter } = notified;
      const reaches = (pool: RedisPool) => () => pool.get('k').then(() => true);
      await waitFor(reaches(releaser), { timeout: 5_000, what: 'the releaser reaching the new primary' });
      await waitFor(reaches(waiter), { timeout: 5_000, what: 'the waiter reaching the new primary' });
      const held = await releaser.acquire({ key: 'k', signal: AbortSignal.timeout(3_000) });
      let granted: RedisLease | undefined;
      const waiting = waiter.acquire({ key: 'k' }).then((lease) => {
        granted = lease;
        return lease;
      });
      await waitFor(async () => (await queuedIn(promoted, notified.name, 'k')) === 1, { what: 'the waiter queued' });
      // Not beating now, and not for seconds: only a notice can grant it in the next second.
      await waitFor(() => waiter.actor.getSnapshot().matches({ live: 'idle' }), { timeout: 5_000 });
      const beatBefore = waiter.actor.getSnapshot().context.beatSentAt;
      await held.release();
      await waitFor(() => granted, { timeout: 1_000, what: 'the grant pushed to the waiter' });
      expect(waiter.actor.getSnapshot().context.beatSentAt).toBe(beatBefore);
      await (await waiting).release();
    });
  });
});
