import fc from 'fast-check';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { createRedisPool } from '../../src/redis/index.js';
import { scriptSources } from '../../src/redis/scripts.generated.js';
import { connectClient, type TestClient } from '../../test/redis/clients.js';
import { type RedisServer, redisTestsRun, startRedisServer } from '../../test/redis/redis-server.js';
import { checkProperty, FUZZING } from '../runs.js';
import { redisCommands, runRedisCommands } from './redis-commands.js';
import type { ModelClient } from './redis-system.js';

/** Each property's time under `npm test`; none under `npm run fuzz`, whose 100× the runs would outlast it. */
const PROPERTY_MS = FUZZING ? 0 : 180_000;

/** Short, so that a heartbeat interval (200 ms) fits in a story's steps. */
const FAILOVER_LEASE_TTL = 600;

/**
 * The Redis pool against the model of SPEC (DISTRIBUTED D1): one member,
 * then one pool shared by three members in this process (node-redis,
 * ioredis, node-redis), compared after every command; then with members
 * rejoining mid-acquire (still compared with the model), with a lagging
 * replica promoted (D11's invariants checked after it), and that fleet with
 * `defaultTarget` (D10) against the model of S12. Bounded under
 * `npm test`; `npm run fuzz` runs 100× more.
 */
describe.skipIf(!redisTestsRun)('the Redis pool against the model of SPEC', { timeout: PROPERTY_MS }, () => {
  let server: RedisServer | undefined;
  const connections: TestClient[] = [];
  const clients: ModelClient[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    for (const kind of ['node-redis', 'ioredis', 'node-redis'] as const) {
      const client = await connectClient(kind, server.url);
      connections.push(client);
      clients.push({
        redis: client.client as ModelClient['redis'],
        ping: () => client.command(['PING']),
        command: (args) => client.command(args),
      });
    }
    // Every script cached, so no EVALSHA of a story meets NOSCRIPT and goes round again behind a later call.
    for (const { source } of Object.values(scriptSources)) await connections[0]?.command(['SCRIPT', 'LOAD', source]);
  });

  afterAll(async () => {
    for (const c of connections) await c.close();
    await server?.stop();
  });

  test('stories of calls on one member settle as the model says', async () => {
    await checkProperty(
      'stories of calls on one member settle as the model says',
      fc.asyncProperty(fc.constantFrom(0, 1), redisCommands(1, 40), (which, commands) =>
        runRedisCommands([clients[which] as ModelClient], commands, createRedisPool),
      ),
      25,
    );
  });

  test('stories of calls spread over three members of one pool settle as the model says', async () => {
    await checkProperty(
      'stories of calls spread over three members of one pool settle as the model says',
      fc.asyncProperty(redisCommands(3, 50), (commands) => runRedisCommands(clients, commands, createRedisPool)),
      25,
    );
  });

  test('members rejoining with an acquire or a tryAcquire on its way lose their leases and queue their waiters again, as the model says', async () => {
    await checkProperty(
      'members rejoining with an acquire or a tryAcquire on its way lose their leases and queue their waiters again, as the model says',
      fc.asyncProperty(redisCommands(3, 40, { rejoin: true }), (commands) =>
        runRedisCommands(clients, commands, createRedisPool),
      ),
      25,
    );
  });

  test('after a lagging replica is promoted, fencing ids never go back and lost state is mended within a heartbeat interval', async () => {
    await checkProperty(
      'after a lagging replica is promoted, fencing ids never go back and lost state is mended within a heartbeat interval',
      fc.asyncProperty(redisCommands(3, 40, { rejoin: true, failover: true }), (commands) =>
        runRedisCommands(clients, commands, createRedisPool, { leaseTtl: FAILOVER_LEASE_TTL }),
      ),
      40,
    );
  });

  test('stories of calls over three members of a pool with defaultTarget settle as the model of S12 says', async () => {
    await checkProperty(
      'stories of calls over three members of a pool with defaultTarget settle as the model of S12 says',
      fc.asyncProperty(fc.integer({ min: 1, max: 2 }), redisCommands(3, 50), (defaultTarget, commands) =>
        runRedisCommands(clients, commands, createRedisPool, { defaultTarget }),
      ),
      25,
    );
  });

  // D9: a pool of 4 shards against the same model, one pool per key: keyed requests only (any-key ones are
  // refused there, test/redis/shards.test.ts); the model's keys fall in shards 0, 1 and 2 of 4.
  const keyedOnly = true;
  const SHARDS = 4;

  test('stories of calls over three members of a pool of 4 shards settle per key as the model says', async () => {
    await checkProperty(
      'stories of calls over three members of a pool of 4 shards settle per key as the model says',
      fc.asyncProperty(redisCommands(3, 50, { keyedOnly }), (commands) =>
        runRedisCommands(clients, commands, createRedisPool, { shards: SHARDS }),
      ),
      25,
    );
  });

  test('members of a pool of 4 shards rejoining with an acquire or a tryAcquire on its way lose their leases in every shard and queue their waiters again, as the model says', async () => {
    await checkProperty(
      'members of a pool of 4 shards rejoining with an acquire or a tryAcquire on its way lose their leases in every shard and queue their waiters again, as the model says',
      fc.asyncProperty(redisCommands(3, 40, { rejoin: true, keyedOnly }), (commands) =>
        runRedisCommands(clients, commands, createRedisPool, { shards: SHARDS }),
      ),
      25,
    );
  });

  test('after a lagging replica of every shard is promoted, fencing ids never go back in a shard and lost state is mended within a heartbeat interval', async () => {
    await checkProperty(
      'after a lagging replica of every shard is promoted, fencing ids never go back in a shard and lost state is mended within a heartbeat interval',
      fc.asyncProperty(redisCommands(3, 40, { rejoin: true, failover: true, keyedOnly }), (commands) =>
        runRedisCommands(clients, commands, createRedisPool, { leaseTtl: FAILOVER_LEASE_TTL, shards: SHARDS }),
      ),
      40,
    );
  });

  test('stories of calls over three members of a pool of 4 shards with defaultTarget settle per key as the model of S12 says', async () => {
    await checkProperty(
      'stories of calls over three members of a pool of 4 shards with defaultTarget settle per key as the model of S12 says',
      fc.asyncProperty(fc.integer({ min: 1, max: 2 }), redisCommands(3, 50, { keyedOnly }), (defaultTarget, commands) =>
        runRedisCommands(clients, commands, createRedisPool, { defaultTarget, shards: SHARDS }),
      ),
      25,
    );
  });
});
