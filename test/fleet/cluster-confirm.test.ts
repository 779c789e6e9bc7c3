import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRedisPool } from '../../src/redis/index.js';
import { redisTestsRun } from '../redis/redis-server.js';
import { waitFor } from '../redis/wait-for.js';
import { track } from '../support.js';
import { type RedisCluster, redisCli, startRedisCluster } from './cluster.js';
import { clusterClients } from './cluster-clients.js';

/** How many `WAIT`s the node on `port` has run. */
async function waitsOn(port: number): Promise<number> {
  const stats = await redisCli(port, 'INFO', 'commandstats');
  return Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

describe.skipIf(!redisTestsRun)('confirmReplicas on a 3-master Redis Cluster with a replica per master (D11)', () => {
  let cluster: RedisCluster | undefined;
  beforeAll(async () => {
    cluster = await startRedisCluster(3, 1);
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  for (const kind of ['node-redis', 'ioredis'] as const) {
    test(`with ${kind}: a grant reaches its holder only once the replica of its pool's master has it`, async () => {
      if (!cluster) throw new Error('cluster not started');
      const name = `confirm-${kind}`;
      const master = cluster.masterOf(await cluster.keySlot(`{workpool:${name}}`));
      const replica = cluster.replicas.find((r) => r.masterId === master.id);
      if (!replica) throw new Error(`no replica of ${master.port}`);
      const connection = await clusterClients[kind](cluster);
      const pool = await createRedisPool<string>({
        redis: connection.client,
        name,
        leaseTtl: 5_000,
        confirmReplicas: 1,
        confirmTimeout: 100,
      });
      try {
        await pool.set('k', 1);
        const first = await pool.acquire({ key: 'k' });
        await first.release();
        replica.process.kill('SIGSTOP');
        let asked: ReturnType<typeof track<Awaited<ReturnType<typeof pool.acquire>>>>;
        try {
          const before = await waitsOn(master.port);
          asked = track(pool.acquire({ key: 'k' }));
          // Granted on the master at once; its WAITs time out while the replica is paused.
          await waitFor(async () => (await pool.get('k')).active === 1, { what: 'the grant on the master' });
          await waitFor(async () => (await waitsOn(master.port)) >= before + 3, { what: 'three WAITs on the master' });
          expect(asked.state).toBe('pending');
        } finally {
          replica.process.kill('SIGCONT');
        }
        const lease = await asked.promise;
        expect(lease.key).toBe('k');
        expect(lease.id).toBeGreaterThan(first.id);
        await lease.release();
      } finally {
        await pool.stop();
        connection.close();
      }
    }, 60_000);
  }
});
