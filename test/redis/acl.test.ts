import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { redisCommands } from '../../src/redis/acl.js';
import { createRedisPool, RedisPoolError } from '../../src/redis/index.js';
import { poolKeys } from '../../src/redis/redis-keys.js';
import { ScriptRunner } from '../../src/redis/script-runner.js';
import { createAclUser } from './acl-user.js';
import { clientKinds, connectClient } from './clients.js';
import { freshName, useRedisServer } from './fleet.js';
import { redisTestsRun } from './redis-server.js';
import { onScriptPath } from './script-path.js';

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
  expect([...called].sort()).toEqual(
    redisCommands.filter((c) => !['evalsha', 'eval', 'subscribe', 'ssubscribe'].includes(c)).sort(),
  );
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

describe.runIf(redisTestsRun).each(clientKinds)('the ACL of a sharded pool, over %s', (kind) => {
  test.each(['spublish', 'ssubscribe'])(
    'a user without %s cannot open a pool of more than one shard',
    async (missing) => {
      await aclUser(
        `no-${missing}`,
        redisCommands.filter((c) => c !== missing),
      );
      const client = await connectClient(kind, server.current().url, { username: `no-${missing}`, password: 'secret' });
      try {
        const error = await createRedisPool({ redis: client.client, name: freshName(), shards: 2 }).catch((e) => e);
        expect(error).toBeInstanceOf(RedisPoolError);
        expect(String((error as RedisPoolError).message)).toMatch(/NOPERM|can't run this command/);
      } finally {
        await client.close();
      }
    },
  );
});

/** Script calls Redis has run so far, by how they were sent. */
async function scriptCalls(admin: { command(args: readonly string[]): Promise<unknown> }) {
  const info = String(await admin.command(['INFO', 'commandstats']));
  const calls = (name: string) => Number(new RegExp(`^cmdstat_${name}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { fcall: calls('fcall'), evalsha: calls('evalsha') + calls('eval') };
}

describe.runIf(redisTestsRun).each(clientKinds)('which script path a pool takes, over %s', (kind) => {
  /** Runs a few calls of a pool as user `name` (allowed `commands`); resolves with the script calls Redis ran meanwhile and whether the member still uses functions. */
  async function runAs(name: string, commands: readonly string[]) {
    // Functions allowed by the process, whatever the run says: the user's ACL decides here.
    await aclUser(name, commands);
    const admin = await connectClient(kind, server.current().url);
    const client = await connectClient(kind, server.current().url, { username: name, password: 'secret' });
    try {
      const runner = onScriptPath(true, () => new ScriptRunner(client.client, poolKeys('workpool', freshName()), 'm'));
      const before = await scriptCalls(admin);
      await runner.join(60_000);
      await runner.set('x', 1);
      const granted = await runner.acquire(1, 'x');
      expect(granted.status).toBe('granted');
      await runner.acquire(2, 'x');
      expect(await runner.release((granted as { lease: number }).lease)).toEqual({ key: 'x', target: 1, active: 1 });
      await runner.leave(true);
      const after = await scriptCalls(admin);
      return {
        fcall: after.fcall - before.fcall,
        evalsha: after.evalsha - before.evalsha,
        functions: runner.adapter.functions,
      };
    } finally {
      await client.close();
      await admin.close();
    }
  }

  test('a user allowed FCALL and FUNCTION besides the documented commands runs every call as a Redis Function, loading the library once', async () => {
    const admin = await connectClient(kind, server.current().url);
    await admin.command(['FUNCTION', 'FLUSH']);
    await admin.close();
    const calls = await runAs('functions-user', [...redisCommands, 'fcall', 'function']);
    expect(calls.functions).toBe(true);
    expect(calls.evalsha).toBe(0);
    // join, set, acquire, acquire, release, leave; the first one twice (missing library, then loaded).
    expect(calls.fcall).toBe(7);
  });

  test.each([
    { missing: 'FUNCTION', commands: [...redisCommands, 'fcall'] },
    { missing: 'FCALL', commands: [...redisCommands, 'function'] },
    { missing: 'FCALL and FUNCTION', commands: redisCommands },
  ])('a user without $missing runs the pool by EVALSHA, with the same replies', async ({ missing, commands }) => {
    const admin = await connectClient(kind, server.current().url);
    await admin.command(['FUNCTION', 'FLUSH']);
    await admin.close();
    const calls = await runAs(`no-${missing.replace(/ /g, '-').toLowerCase()}`, commands);
    expect(calls.functions).toBe(false);
    expect(calls.evalsha).toBeGreaterThanOrEqual(6);
  });

  test('a library Redis lost (FUNCTION FLUSH, as after a restart without data) is loaded again by the next call, which the caller does not notice', async () => {
    const admin = await connectClient(kind, server.current().url);
    const client = await connectClient(kind, server.current().url);
    try {
      const runner = onScriptPath(true, () => new ScriptRunner(client.client, poolKeys('workpool', freshName()), 'm'));
      await runner.join(60_000);
      await runner.set('x', 2);
      await admin.command(['FUNCTION', 'FLUSH']);
      const before = await scriptCalls(admin);
      expect(await runner.get('x')).toEqual({ key: 'x', target: 2, active: 0 });
      const after = await scriptCalls(admin);
      expect(runner.adapter.functions).toBe(true);
      expect(after.fcall - before.fcall).toBe(2);
      expect(after.evalsha - before.evalsha).toBe(0);
      await runner.leave(true);
    } finally {
      await client.close();
      await admin.close();
    }
  });
});
