import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { redisCommands } from '../../src/redis/acl.js';
import { createRedisPool, RedisPoolError } from '../../src/redis/index.js';
import { scriptSources } from '../../src/redis/scripts.generated.js';
import { createAclUser } from './acl-user.js';
import { clientKinds, connectClient } from './clients.js';
import { freshName } from './fleet.js';
import { type RedisServer, redisTestsRun, startRedisServer } from './redis-server.js';

/** The start of every script's text (the shared prelude): in a message, it means the script was quoted. */
const scriptStart = scriptSources.join.source.slice(0, 40);

/** What a user sees of an error: its message, and the line `String(error)` prints. */
function shown(error: unknown): string[] {
  return [(error as Error).message, String(error)];
}

describe.runIf(redisTestsRun).each(clientKinds)('the error of a script Redis refuses, over %s', (kind) => {
  let server: RedisServer;
  let withoutEval: RedisServer;
  beforeAll(async () => {
    [server, withoutEval] = await Promise.all([
      startRedisServer(),
      // Some hosted Redis disable EVAL; Redis then quotes the start of the refused command's arguments.
      startRedisServer({ args: ['--rename-command', 'EVAL', ''] }),
    ]);
    await createAclUser(
      server.url,
      'no-eval',
      redisCommands.filter((c) => c !== 'eval'),
    );
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), withoutEval?.stop()]);
  });

  test('an EVAL refused by the ACL fails with a short message naming the script and Redis’ reason', async () => {
    const client = await connectClient(kind, server.url, { username: 'no-eval', password: 'secret' });
    try {
      // The scripts are not cached, so EVALSHA answers NOSCRIPT and the pool sends EVAL with the script's text.
      const error = await createRedisPool({ redis: client.client, name: freshName() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisPoolError);
      expect((error as RedisPoolError).refused).toBe(true);
      // createRedisPool checks EVAL and EVALSHA first, with a script of its own: the refusal names the command.
      expect((error as Error).message).toMatch(/^The Redis user cannot run EVAL \(NOPERM .*'eval'/);
      for (const text of shown(error)) {
        expect(text.length).toBeLessThan(500);
        expect(text).not.toContain(scriptStart);
      }
    } finally {
      await client.close();
    }
  });

  test('an EVAL Redis does not know fails without quoting the script’s text Redis echoes back', async () => {
    const client = await connectClient(kind, withoutEval.url);
    try {
      const error = await createRedisPool({ redis: client.client, name: freshName() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisPoolError);
      expect((error as Error).message).toBe("Redis script probe failed: ERR unknown command 'EVAL'");
      for (const text of shown(error)) expect(text).not.toContain(scriptStart);
    } finally {
      await client.close();
    }
  });
});
