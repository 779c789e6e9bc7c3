import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { clientsAndShards, freshName, queuedIn, TestFleet } from './fleet.js';
import { type RedisServer, redisTestsRun, startRedisServer } from './redis-server.js';
import { waitFor } from './wait-for.js';

let server: RedisServer;
beforeAll(async () => {
  if (redisTestsRun) server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

describe.runIf(redisTestsRun).each(clientsAndShards)('Redis pool over %s with %i shard(s)', (kind, shards) => {
  let fleet: TestFleet;
  beforeAll(() => {
    fleet = new TestFleet(server, kind, shards);
  });
  afterEach(async () => {
    await fleet.close();
  });

  test('a target set by one member is seen by every member', async () => {
    const [a, b] = await fleet.pool(2);
    await a?.set('x', 3);
    expect(await b?.get('x')).toEqual({ target: 3, active: 0 });
    expect(await b?.keys()).toEqual(['x']);
  });

  test('acquire reads its key option once: the key that was checked is the key asked for', async () => {
    const [a] = await fleet.pool(1);
    await a?.set('x', 1);
    let reads = 0;
    const options = {
      get key() {
        reads++;
        return reads === 1 ? 'x' : 'y';
      },
    };
    const lease = await a?.acquire(options);
    expect(lease?.key).toBe('x');
    expect(reads).toBe(1);
    await lease?.release();
  });

  test('an unknown key counts { 0, 0 }', async () => {
    const [a] = await fleet.pool(1);
    expect(await a?.get('nothing')).toEqual({ target: 0, active: 0 });
  });

  test('a lease counts fleet-wide until released', async () => {
    const [a, b] = await fleet.pool(2);
    await a?.set('x', 2);
    const lease = await b?.acquire({ key: 'x' });
    expect(lease?.key).toBe('x');
    expect(await a?.get('x')).toEqual({ target: 2, active: 1 });
    await lease?.release();
    expect(await a?.get('x')).toEqual({ target: 2, active: 0 });
  });

  test('a release hands the capacity to another member’s waiter', async () => {
    const name = freshName();
    const [a, b] = await fleet.pool(2, { name });
    if (!a || !b) throw new Error('no pool');
    await a.set('x', 1);
    const held = await a.acquire({ key: 'x' });
    const waiting = b.acquire({ key: 'x' });
    const probe = await fleet.client();
    await waitFor(async () => (await queuedIn(probe, name, 'x', shards)) === 1);
    await held.release();
    const handed = await waiting;
    expect(handed.id).toBeGreaterThan(held.id);
    expect(await a.get('x')).toEqual({ target: 1, active: 1 });
    await handed.release();
  });
});
