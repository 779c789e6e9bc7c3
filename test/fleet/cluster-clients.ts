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
  'node-redis': (cluster: RedisCluster) =>
    connectCluster(
      'node-redis',
      cluster.masters.map((m) => m.port),
    ),
  ioredis: (cluster: RedisCluster) =>
    connectCluster(
      'ioredis',
      cluster.masters.map((m) => m.port),
    ),
};

/** Connects a cluster client of `kind` to the masters listening on `ports` (loopback); `close` disconnects it. */
export async function connectCluster(
  kind: 'node-redis' | 'ioredis',
  ports: readonly number[],
): Promise<ClusterConnection> {
  if (kind === 'node-redis') {
    const client = createCluster({
      rootNodes: ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })),
    });
    client.on('error', () => {
      // Reported through the pool's calls.
    });
    await client.connect();
    return { client, close: () => client.destroy() };
  }
  const client = new Cluster(
    ports.map((port) => ({ host: '127.0.0.1', port })),
    { lazyConnect: true },
  );
  await client.connect();
  return { client, close: () => client.disconnect() };
}
