import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { clientKinds, connectClient } from './clients.js';
import { type RedisServer, redisTestsRun, startRedisServer } from './redis-server.js';

describe.runIf(redisTestsRun)('the test redis-server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  test.each(clientKinds)('answers %s', async (kind) => {
    const client = await connectClient(kind, server.url);
    try {
      expect(await client.command(['PING'])).toBe('PONG');
    } finally {
      await client.close();
    }
  });

  test('runs without persistence', async () => {
    const client = await connectClient('node-redis', server.url);
    try {
      expect(await client.command(['CONFIG', 'GET', 'appendonly'])).toEqual(['appendonly', 'no']);
      expect(await client.command(['CONFIG', 'GET', 'save'])).toEqual(['save', '']);
    } finally {
      await client.close();
    }
  });
});
