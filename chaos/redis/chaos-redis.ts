import { Redis as IORedis } from 'ioredis';
import { createClient, createSentinel } from 'redis';
import { startRedisServer } from '../../demo/redis-server.js';
import { FailoverSet } from './failover-set.js';
import type { MemberConfig } from './member.js';

/** The Redis a chaos run works against: one `redis-server`, or a Sentinel set (`--sentinel`). */
export interface ChaosRedis {
  /** For the run's first line. */
  readonly description: string;
  /** A connection of the run's own, to the primary (whichever it is): snapshots, `CLIENT PAUSE`. */
  readonly admin: IORedis;
  /** Where members connect: the fields of {@link MemberConfig} that say so. */
  readonly memberTarget: Pick<MemberConfig, 'url' | 'sentinel'>;
  /** The Sentinel set, with `--sentinel`. */
  readonly set: FailoverSet | undefined;
  /** A node-redis client to the primary, for the run's own pool (initial targets, the last check). */
  connect(): Promise<{ readonly redis: unknown; close(): Promise<void> }>;
  /** Stops what it started and closes `admin`. */
  stop(): Promise<void>;
}

/** Reconnect soon after a failover: the run's own connections must follow the primary quickly. */
const reconnectDelay = (retries: number) => Math.min(50 * retries, 500);

/** Starts the Redis of a run: loopback, no persistence; with `sentinel`, a {@link FailoverSet}. */
export async function startChaosRedis(sentinel: boolean): Promise<ChaosRedis> {
  if (!sentinel) {
    const server = await startRedisServer();
    const admin = new IORedis(server.port, '127.0.0.1');
    return {
      description: `redis-server on ${server.url}`,
      admin,
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
