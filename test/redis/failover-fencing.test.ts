import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRedisPool, LeaseLostError, type RedisLease, type RedisPool } from '../../src/redis/index.js';
import { clientKinds, connectSentinelClient, type TestClient } from './clients.js';
import { freshName } from './fleet.js';
import { redisTestsRun } from './redis-server.js';
import { type SentinelSet, startSentinelSet } from './sentinel.js';
import { waitFor } from './wait-for.js';

/**
 * Longer than the failover (~2 s), as in production: the members'
 * memberships outlive it on the replica, so none rejoins (a rejoin hands
 * Redis the highest id its member saw). Heartbeats every 3 s.
 */
const leaseTtl = 9_000;
const beatInterval = leaseTtl / 3;

/** A failover here takes ~1–3 s; more on a busy machine. */
const promotionTimeout = 15_000;

describe.runIf(redisTestsRun).each(clientKinds)(
  'fencing ids through a failover to a lagging replica, over %s',
  (kind) => {
    let set: SentinelSet;
    const clients: TestClient[] = [];
    const pools: RedisPool[] = [];
    let z: RedisPool;
    /** Granted to X, released on the old primary after the replica stopped receiving. */
    let a: RedisLease;
    /** Granted to Y on the old primary after A's release; the replica never had it. */
    let b: RedisLease;
    let killedAt: number;
    let promotedAt: number;
    let bAbortedAt: number | undefined;

    async function member(name: string): Promise<RedisPool> {
      const client = await connectSentinelClient(kind, set);
      clients.push(client);
      const pool = await createRedisPool({ redis: client.client, name, leaseTtl });
      pools.push(pool);
      return pool;
    }

    beforeAll(async () => {
      set = await startSentinelSet();
      const name = freshName();
      const x = await member(name);
      const y = await member(name);
      z = await member(name);
      await x.set('k', 1);
      a = await x.acquire({ key: 'k' });
      await set.caughtUp();
      set.relay.hold();
      await a.release();
      b = await y.acquire({ key: 'k', signal: AbortSignal.timeout(2_000) });
      b.signal.addEventListener('abort', () => {
        bAbortedAt = Date.now();
      });
      if (set.relay.heldBytes === 0) throw new Error('the release of A and the grant of B were not held back');
      killedAt = Date.now();
      await set.killPrimary();
      await set.waitForPromotion(promotionTimeout);
      promotedAt = Date.now();
    });
    afterAll(async () => {
      await Promise.allSettled(pools.map((pool) => pool.stop()));
      await Promise.allSettled(clients.map((client) => client.close()));
      await set?.stop();
    });

    test('a grant on the new primary gets an id above every id granted before the failover', async () => {
      // A new acquire rejects while Redis is unreachable (D6): first Z's client finds the new primary.
      await waitFor(() => z.get('k').then(() => true), { timeout: 5_000, what: 'Z reaching the new primary' });
      // The key frees once X's heartbeat gives back A, which the new primary still counts.
      const c = await z.acquire({ key: 'k', signal: AbortSignal.timeout(10_000) });
      expect(b.id).toBeGreaterThan(a.id);
      expect(c.id).toBeGreaterThan(b.id);
      await c.release();
    });

    test('the holder of a lease the new primary lacks sees it lost within one heartbeat interval', async () => {
      const margin = 1_000;
      await waitFor(() => b.signal.aborted, { timeout: beatInterval + margin, what: 'B’s signal aborted' });
      expect(b.signal.reason).toBeInstanceOf(LeaseLostError);
      // Lost because the new primary lacks it, not before the failover.
      expect(bAbortedAt as number).toBeGreaterThan(killedAt);
      expect((bAbortedAt as number) - promotedAt).toBeLessThanOrEqual(beatInterval + margin);
    });
  },
);
