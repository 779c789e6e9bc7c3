import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { poolTag } from '../../src/redis/redis-keys.js';
import type { TestClient } from './clients.js';
import { freshName, queuedIn, TestFleet, useRedisServer } from './fleet.js';
import { redisTestsRun } from './redis-server.js';
import { waitFor } from './wait-for.js';

// D9: with `shards: 1` (the default) a pool keeps the Redis layout of D1–D8, key for key and value for value,
// so pools written before sharding existed keep working. This pins that layout (the test passes unchanged on
// 65ef434, the code before sharding): a change of it fails here.

const server = useRedisServer({ beforeAll, afterAll });

/** Every Redis key under `tag` with its type and contents, member and lease ids replaced by names. */
async function dump(
  client: TestClient,
  tag: string,
  names: ReadonlyMap<string, string>,
): Promise<Record<string, unknown>> {
  const name = (text: string) => {
    let out = text;
    for (const [raw, shown] of names) out = out.replaceAll(raw, shown);
    return out;
  };
  const keys = ((await client.command(['KEYS', `${tag}*`])) as string[]).map(String).sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const type = String(await client.command(['TYPE', key]));
    const contents =
      type === 'hash'
        ? ((await client.command(['HGETALL', key])) as string[])
        : ((await client.command(['ZRANGE', key, '0', '-1', 'WITHSCORES'])) as string[]);
    const pairs: Record<string, string> = {};
    for (let i = 0; i + 1 < contents.length; i += 2) pairs[name(String(contents[i]))] = name(String(contents[i + 1]));
    out[name(key.slice(tag.length))] = { type, ...pairs };
  }
  return out;
}

describe.runIf(redisTestsRun)('a one-shard pool', () => {
  let fleet: TestFleet;
  beforeAll(() => {
    fleet = new TestFleet(server.current(), 'node-redis');
  });
  afterEach(async () => {
    await fleet.close();
  });

  test('keeps the Redis keys and values of the layout before sharding', async () => {
    const name = freshName();
    const [a, b] = await fleet.pool(2, { name, leaseTtl: 600_000 });
    if (!a || !b) throw new Error('no pool');
    await a.set('x', 1);
    const lease = await a.acquire({ key: 'x' });
    const probe = await fleet.client();
    const waiting = b.acquire({ key: 'x' });
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 1);
    const tag = poolTag('workpool', name);
    const names = new Map([
      [String(lease.id), '<lease>'],
      [a.member, '<a>'],
      [b.member, '<b>'],
    ]);
    const deadline = /^\d{13}$/;
    const layout = await dump(probe, tag, names);
    expect(layout).toEqual({
      groups: { type: 'hash', x: '1 1 1' },
      meta: { type: 'hash', lease: '<lease>', seq: '2', waiting: '1' },
      members: { type: 'zset', '<a>': expect.stringMatching(deadline), '<b>': expect.stringMatching(deadline) },
      'l:x': { type: 'zset', '<lease>:<a>': '<lease>' },
      'ml:<a>': { type: 'hash', '<lease>': '1 0 x' },
      'mw:<b>': { type: 'hash', '1': '=x' },
      'q:x': { type: 'zset', '<b>:1': '2' },
    });
    await lease.release();
    await (await waiting).release();
  });
});
