import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import type { RedisCluster } from './cluster.js';

/** A connected cluster client, as `createRedisPool` takes it, and what disconnects it. */
export interface ClusterConnection {
  readonly client: unknown;
  close(): void;
}

/** Connects a cluster client of each kind to a {@link RedisCluster}; `close` disconnects it. */
export const clusterClients: Record<'node-redis' | 'ioredis', (cluster: RedisCluster) => Promise<ClusterConnection>> = {
  'node-redis': async (cluster: RedisCluster) => {
    const client = createCluster({
      rootNodes: cluster.masters.map((m) => ({ url: `redis://127.0.0.1:${m.port}` })),
    });
    client.on('error', () => {
      // Reported through the pool's calls.
    });
    await client.connect();
    return { client, close: () => client.destroy() };
  },
  ioredis: async (cluster: RedisCluster) => {
    const client = new Cluster(
      cluster.masters.map((m) => ({ host: '127.0.0.1', port: m.port })),
      { lazyConnect: true },
    );
    await client.connect();
    return { client, close: () => client.disconnect() };
  },
};
