import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRedisPool, type RedisPool } from '../../src/redis/index.js';
import { redisTestsRun } from '../redis/redis-server.js';
import { type ClusterMaster, type RedisCluster, redisCli, startRedisCluster } from './cluster.js';
import { clusterClients as clients } from './cluster-clients.js';

/** Pool names whose hash tag `{workpool:<name>}` lands on each master in turn, one pool per master. */
async function namesOnEveryMaster(cluster: RedisCluster, label: string): Promise<Map<ClusterMaster, string>> {
  const names = new Map<ClusterMaster, string>();
  for (let i = 0; names.size < cluster.masters.length; i++) {
    if (i > 1_000) throw new Error('no names found for every master');
    const name = `${label}-${i}`;
    const master = cluster.masterOf(await cluster.keySlot(`{workpool:${name}}`));
    if (!names.has(master)) names.set(master, name);
  }
  return names;
}

describe.skipIf(!redisTestsRun)('a pool on a 3-master Redis Cluster', () => {
  let cluster: RedisCluster | undefined;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  for (const kind of ['node-redis', 'ioredis'] as const) {
    test(`with ${kind}: pools on different masters set, grant, hand off between members and release (D2)`, async () => {
      if (!cluster) throw new Error('cluster not started');
      const names = await namesOnEveryMaster(cluster, `cluster-${kind}`);
      expect(new Set(names.values()).size).toBe(3);
      const connections = await Promise.all([clients[kind](cluster), clients[kind](cluster)]);
      const pools: RedisPool<string>[] = [];
      try {
        for (const [master, name] of names) {
          const [a, b] = await Promise.all(
            connections.map(({ client }) => createRedisPool<string>({ redis: client, name, leaseTtl: 5_000 })),
          );
          if (!a || !b) throw new Error('members missing');
          pools.push(a, b);
          await a.set('k', 1);
          expect(await b.get('k')).toEqual({ target: 1, active: 0 });
          const first = await a.acquire({ key: 'k' });
          const waiting = b.acquire({ key: 'k' });
          await first.release();
          const second = await waiting;
          expect(second.key).toBe('k');
          expect(second.id).toBeGreaterThan(first.id);
          expect(await a.get('k')).toEqual({ target: 1, active: 1 });
          await second.release();
          expect(await a.get('k')).toEqual({ target: 1, active: 0 });
          expect(await b.keys()).toEqual(['k']);

          // Every key of this pool lives on the master its hash tag maps to, and on no other.
          const tag = `{workpool:${name}}`;
          for (const node of cluster.masters) {
            const keys = (await redisCli(node.port, '--scan', '--pattern', `*${tag}*`)).split('\n').filter(Boolean);
            if (node === master) expect(keys.length).toBeGreaterThan(0);
            else expect(keys).toEqual([]);
          }
        }
      } finally {
        await Promise.all(pools.map((p) => p.stop()));
        for (const { close } of connections) close();
      }
    }, 60_000);
  }
});
