import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createRedisPool, type RedisLease, type RedisPool } from '../../src/redis/index.js';
import { clientKinds, connectClient, connectSentinelClient, type TestClient } from './clients.js';
import { freshName, queuedIn } from './fleet.js';
import { redisTestsRun } from './redis-server.js';
import { type SentinelSet, startSentinelSet } from './sentinel.js';
import { waitFor } from './wait-for.js';

/** Longer than a failover (~2 s), so that no member rejoins meanwhile. */
const leaseTtl = 9_000;
/** Short WAITs, so that an unconfirmed grant is asked about several times within a test. */
const confirmTimeout = 100;
const promotionTimeout = 15_000;

/** Whether `promise` has settled, as a function to ask later. */
function settledFlag(promise: Promise<unknown>): () => boolean {
  let settled = false;
  const mark = () => {
    settled = true;
  };
  promise.then(mark, mark);
  return () => settled;
}

/** How many WAITs the server behind `client` has run (`INFO commandstats`). */
async function waits(client: TestClient): Promise<number> {
  const text = String(await client.command(['INFO', 'commandstats']));
  return Number(/cmdstat_wait:calls=(\d+)/.exec(text)?.[1] ?? 0);
}

describe.runIf(redisTestsRun).each(clientKinds)(
  'confirmReplicas: grants only once a replica has them, over %s',
  (kind) => {
    let set: SentinelSet;
    let clients: TestClient[];
    let pools: RedisPool[];

    async function member(name: string, confirmReplicas: number): Promise<RedisPool> {
      // node-redis' sentinel reserves one client of its pool for each WAIT: a second keeps the member's calls moving.
      const client = await connectSentinelClient(kind, set, { masterPoolSize: 2 });
      clients.push(client);
      const pool = await createRedisPool({ redis: client.client, name, leaseTtl, confirmReplicas, confirmTimeout });
      pools.push(pool);
      return pool;
    }

    beforeEach(async () => {
      clients = [];
      pools = [];
      set = await startSentinelSet();
    });
    afterEach(async () => {
      await Promise.allSettled(pools.map((pool) => pool.stop()));
      await Promise.allSettled(clients.map((client) => client.close()));
      await set?.stop();
    });

    /** Resolves once the primary has run three more WAITs: a grant held back has been asked about three times. */
    async function threeWaitsOnThePrimary(): Promise<void> {
      const primary = await connectClient('node-redis', set.primary.url);
      clients.push(primary);
      const before = await waits(primary);
      await waitFor(async () => (await waits(primary)) >= before + 3, { what: 'three WAITs for the grant' });
    }

    /** X holds A of target-1 key `k`, then releases it while the replica receives nothing; Y asks for `k`. */
    async function grantTheReplicaLacks(): Promise<{
      name: string;
      x: RedisPool;
      a: RedisLease;
      asked: Promise<RedisLease>;
    }> {
      const name = freshName();
      const x = await member(name, 0);
      const y = await member(name, 1);
      await x.set('k', 1);
      const a = await x.acquire({ key: 'k' });
      await set.caughtUp();
      set.relay.hold();
      const asked = y.acquire({ key: 'k' });
      asked.catch(() => {});
      await a.release();
      // Granted to Y in Redis: the primary counts the lease.
      await waitFor(async () => (await x.get('k')).active === 1, { what: 'the grant to Y on the primary' });
      return { name, x, a, asked };
    }

    test('a grant the replica lacks is held back, and delivered once the replica has it', async () => {
      const { a, asked } = await grantTheReplicaLacks();
      const settled = settledFlag(asked);
      await threeWaitsOnThePrimary();
      expect(settled()).toBe(false);
      set.relay.open();
      const b = await asked;
      expect(b.id).toBeGreaterThan(a.id);
      expect(b.signal.aborted).toBe(false);
    });

    test('after a failover to the replica that lacked the grant, its holder never held it: no overlap', async () => {
      const { name, x, a, asked } = await grantTheReplicaLacks();
      await set.killPrimary();
      await set.waitForPromotion(promotionTimeout);
      await waitFor(() => x.get('k').then(() => true), { timeout: 5_000, what: 'X reaching the new primary' });
      // The new primary lost A's release: it frees when X's heartbeat gives A back; then another holder gets k.
      const settled = settledFlag(asked);
      const c = await x.acquire({ key: 'k', signal: AbortSignal.timeout(10_000) });
      expect(c.id).toBeGreaterThan(a.id);
      // Y's grant was lost with the old primary before any replica had it. Y's heartbeat finds it lost
      // and queues Y again behind C: Y never held k, before or while C is out.
      const promoted = await connectClient('node-redis', set.replica.url);
      clients.push(promoted);
      await waitFor(async () => (await queuedIn(promoted, name, 'k')) === 1, {
        timeout: leaseTtl,
        what: 'Y queued again on the new primary',
      });
      expect(settled()).toBe(false);
      await c.release();
      expect(settled()).toBe(false);
    });

    test('an acquire aborted while its grant waits for the replica gives the lease back', async () => {
      const name = freshName();
      const x = await member(name, 0);
      const y = await member(name, 1);
      await x.set('k', 1);
      await set.caughtUp();
      set.relay.hold();
      const abort = new AbortController();
      const asked = y.acquire({ key: 'k', signal: abort.signal });
      await waitFor(async () => (await x.get('k')).active === 1, { what: 'the grant to Y on the primary' });
      abort.abort(new Error('gave up'));
      await expect(asked).rejects.toThrow('gave up');
      await waitFor(async () => (await x.get('k')).active === 0, { what: 'the unconfirmed lease given back' });
      set.relay.open();
    });

    test('tryAcquire returns a lease only once the replica has its grant', async () => {
      const name = freshName();
      const y = await member(name, 1);
      await y.set('k', 1);
      await set.caughtUp();
      set.relay.hold();
      const tried = y.tryAcquire({ key: 'k' });
      const settled = settledFlag(tried);
      await threeWaitsOnThePrimary();
      expect(settled()).toBe(false);
      set.relay.open();
      const lease = await tried;
      expect(lease?.key).toBe('k');
      await lease?.release();
    });
  },
);
