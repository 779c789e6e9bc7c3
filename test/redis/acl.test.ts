import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { redisCommands } from '../../src/redis/acl.js';
import { createRedisPool, RedisPoolError } from '../../src/redis/index.js';
import { createAclUser } from './acl-user.js';
import { clientKinds, connectClient } from './clients.js';
import { freshName, useRedisServer } from './fleet.js';
import { redisTestsRun } from './redis-server.js';

const server = useRedisServer({ beforeAll, afterAll });

/** Creates ACL user `name` (password `secret`) allowed exactly `commands` on the pool's keys and channels. */
const aclUser = (name: string, commands: readonly string[]) => createAclUser(server.current().url, name, commands);

test('the documented command list is every command the scripts run', () => {
  const dir = join(import.meta.dirname, '..', '..', 'src', 'redis', 'scripts');
  const lua = [
    ...readdirSync(dir).filter((f) => f.endsWith('.lua')),
    ...readdirSync(join(dir, 'includes')).map((f) => join('includes', f)),
  ]
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
  const called = new Set([...lua.matchAll(/redis\.call\('([A-Z]+)'/g)].map((m) => (m[1] as string).toLowerCase()));
  expect([...called].sort()).toEqual(redisCommands.filter((c) => !['evalsha', 'eval', 'subscribe'].includes(c)).sort());
});

describe.runIf(redisTestsRun).each(clientKinds)('the ACL a pool needs, over %s', (kind) => {
  test('a user allowed exactly the documented commands runs a pool', async () => {
    await aclUser('pool-user', redisCommands);
    const client = await connectClient(kind, server.current().url, { username: 'pool-user', password: 'secret' });
    try {
      const pool = await createRedisPool({ redis: client.client, name: freshName() });
      await pool.set('x', 1);
      const held = await pool.acquire();
      const waiting = pool.acquire({ key: 'x' });
      await held.release();
      await (await waiting).release();
      await pool.set('x', 0);
      expect(await pool.keys()).toEqual([]);
      await pool.stop();
      await pool.done;
    } finally {
      await client.close();
    }
  });

  test.each([
    { command: 'EVAL', cache: 'cached' },
    { command: 'EVAL', cache: 'flushed' },
    { command: 'EVALSHA', cache: 'cached' },
  ] as const)(
    'a user without $command cannot open a pool while the scripts are $cache, and nothing is written',
    async ({ command, cache }) => {
      const missing = command.toLowerCase();
      const admin = await connectClient(kind, server.current().url);
      try {
        if (cache === 'cached') {
          const loader = await createRedisPool({ redis: admin.client, name: freshName() });
          await loader.stop();
          await loader.done;
        } else {
          await admin.command(['SCRIPT', 'FLUSH']);
        }
        await aclUser(
          `no-${missing}`,
          redisCommands.filter((c) => c !== missing),
        );
        const client = await connectClient(kind, server.current().url, {
          username: `no-${missing}`,
          password: 'secret',
        });
        const name = freshName();
        try {
          const outcome = await createRedisPool({ redis: client.client, name }).then(
            // Opened by mistake: stopped, so that the failure does not leak into the next test.
            (pool) => pool.stop().then(() => pool),
            (error: unknown) => error,
          );
          expect(outcome).toBeInstanceOf(RedisPoolError);
          const message = (outcome as RedisPoolError).message;
          expect(message).toContain(`cannot run ${command} (`);
          expect(message).not.toContain('redis.call');
          expect(await admin.command(['KEYS', `{workpool:${name}}*`])).toEqual([]);
          expect(await admin.command(['PUBSUB', 'CHANNELS', `{workpool:${name}}*`])).toEqual([]);
        } finally {
          await client.close();
        }
      } finally {
        await admin.close();
      }
    },
  );

  test.each(['time', 'publish', 'subscribe', 'zpopmax', 'hset'])(
    'a user without %s cannot open a pool',
    async (missing) => {
      await aclUser(
        `no-${missing}`,
        redisCommands.filter((c) => c !== missing),
      );
      const client = await connectClient(kind, server.current().url, { username: `no-${missing}`, password: 'secret' });
      try {
        const run = () => createRedisPool({ redis: client.client, name: freshName() });
        const error = await run().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RedisPoolError);
        expect(String((error as RedisPoolError).message)).toMatch(/NOPERM|can't run this command/);
      } finally {
        await client.close();
      }
    },
  );
});
