import { Cluster, Redis as IORedis } from 'ioredis';
import { createClient, createCluster, createSentinel } from 'redis';
import { startRedisServer } from '../../demo/redis-server.js';
import { startRedisCluster } from '../../test/fleet/cluster.js';
import { FailoverSet } from './failover-set.js';
import type { MemberConfig } from './member.js';

/** Where the run starts its Redis: one server, a Sentinel set (`--sentinel`), or a 3-master Cluster (`--cluster`). */
export type ChaosRedisKind = 'server' | 'sentinel' | 'cluster';

/** The Redis a chaos run works against: one `redis-server`, a Sentinel set, or a Cluster. */
export interface ChaosRedis {
  /** For the run's first line. */
  readonly description: string;
  /**
   * A connection of the run's own for the snapshots: to the primary
   * (whichever it is), or a Cluster client that routes each shard's
   * snapshot to its master by the key it names.
   */
  readonly admin: IORedis | Cluster;
  /** Connections to each server `CLIENT PAUSE` may hit: the one primary, or each master of the Cluster. */
  readonly pausable: readonly IORedis[];
  /** Where members connect: the fields of {@link MemberConfig} that say so. */
  readonly memberTarget: Pick<MemberConfig, 'url' | 'sentinel' | 'cluster'>;
  /** The Sentinel set, with `--sentinel`. */
  readonly set: FailoverSet | undefined;
  /** A node-redis client to the primary, for the run's own pool (initial targets, the last check). */
  connect(): Promise<{ readonly redis: unknown; close(): Promise<void> }>;
  /** Stops what it started and closes `admin`. */
  stop(): Promise<void>;
}

/** Reconnect soon after a failover: the run's own connections must follow the primary quickly. */
const reconnectDelay = (retries: number) => Math.min(50 * retries, 500);

/** Starts the Redis of a run: loopback, no persistence; a {@link FailoverSet} or a Cluster if asked. */
export async function startChaosRedis(kind: ChaosRedisKind): Promise<ChaosRedis> {
  if (kind === 'cluster') return startChaosCluster();
  if (kind === 'server') {
    const server = await startRedisServer();
    const admin = new IORedis(server.port, '127.0.0.1');
    return {
      description: `redis-server on ${server.url}`,
      admin,
      pausable: [admin],
      memberTarget: { url: server.url },
      set: undefined,
      async connect() {
        const client = await createClient({ url: server.url }).connect();
        return { redis: client, close: () => client.close() };
      },
      async stop() {
        admin.disconnect();
        await server.stop();
      },
    };
  }
  const set = await FailoverSet.start();
  const sentinels = set.sentinels.map(({ host, port }) => ({ host, port }));
  const admin = new IORedis({
    sentinels,
    name: set.masterName,
    retryStrategy: reconnectDelay,
    sentinelRetryStrategy: reconnectDelay,
  });
  // Snapshots and pauses fail while there is no primary; the run expects that and goes on.
  admin.on('error', () => {});
  return {
    description: `a primary, a replica through a relay and 3 sentinels (ports ${sentinels.map((s) => s.port).join(', ')})`,
    admin,
    pausable: [admin],
    memberTarget: { sentinel: { masterName: set.masterName, sentinels } },
    set,
    async connect() {
      const client = createSentinel({
        name: set.masterName,
        sentinelRootNodes: sentinels,
        nodeClientOptions: { socket: { reconnectStrategy: reconnectDelay } },
      });
      client.on('error', () => {});
      await client.connect();
      return { redis: client, close: () => client.close() };
    },
    async stop() {
      admin.disconnect();
      await set.stop();
    },
  };
}

/**
 * A 3-master Cluster without replicas (the test harness's, `test/fleet/cluster.ts`): the run makes no
 * failovers there, so replicas would only take CPU from a 2-core machine.
 */
async function startChaosCluster(): Promise<ChaosRedis> {
  const cluster = await startRedisCluster(3, 0);
  const ports = cluster.masters.map((m) => m.port);
  const admin = new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })));
  const pausable = ports.map((port) => new IORedis(port, '127.0.0.1'));
  return {
    description: `a 3-master Redis Cluster (ports ${ports.join(', ')}, slots ${cluster.masters
      .map((m) => m.slots.map(([from, to]) => `${from}-${to}`).join(' '))
      .join(', ')})`,
    admin,
    pausable,
    memberTarget: { cluster: ports },
    set: undefined,
    async connect() {
      const client = createCluster({ rootNodes: ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })) });
      client.on('error', () => {});
      await client.connect();
      return { redis: client, close: () => client.close() };
    },
    async stop() {
      admin.disconnect();
      for (const connection of pausable) connection.disconnect();
      await cluster.stop();
    },
  };
}
