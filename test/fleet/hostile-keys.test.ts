import { describe, expect, test } from 'vitest';
import { redisTestsRun } from '../redis/redis-server.js';
import { type MemberProcess, startMembers } from './fleet.js';
import { fleetSuite } from './support.js';

/** D8: keys are data. Each is a separate group, with exactly its own counts, on every member. */
const HOSTILE_KEYS = [
  '|',
  ':',
  '{',
  '}',
  '{a}',
  'a',
  '\n',
  'line\nbreak\r\n',
  '*',
  ' ',
  'x'.repeat(10 * 1024),
  '🦀 emoji ☃',
  '',
  'workpool',
  '{fleet-hostile}',
  '\u0000',
  'return redis.call("FLUSHALL")',
  '\uD800 lone surrogate',
  '\uDC00',
  '\uFFFF starts like an escaped key',
] as const;

describe.skipIf(!redisTestsRun)('hostile keys across member processes (D8)', () => {
  const fleet = fleetSuite();

  test('every hostile key is its own group with its own counts, the same on every process', async () => {
    const [m0, m1, m2] = (await fleet.members('hostile', 3, 5_000)) as [MemberProcess, MemberProcess, MemberProcess];
    for (const [i, key] of HOSTILE_KEYS.entries()) await m0.set(key, (i % 3) + 1);
    for (const [i, key] of HOSTILE_KEYS.entries()) {
      expect(await m1.get(key)).toEqual({ target: (i % 3) + 1, active: 0 });
    }
    expect([...(await m2.keys())].sort()).toEqual([...HOSTILE_KEYS].sort());
  });

  test('each hostile key grants, queues and hands its lease off between processes, touching no other key', async () => {
    const [m0, m1, m2] = (await fleet.members('hostile-handoff', 3, 5_000)) as [
      MemberProcess,
      MemberProcess,
      MemberProcess,
    ];
    for (const key of HOSTILE_KEYS) await m0.set(key, 1);
    for (const key of HOSTILE_KEYS) {
      const held = await m1.acquire(key).granted;
      expect(held.key).toBe(key);
      const waiter = m2.acquire(key);
      await waiter.queued;
      expect(await m0.get(key)).toEqual({ target: 1, active: 1 });
      await m1.release(held.id);
      const next = await waiter.granted;
      expect(next.key).toBe(key);
      expect(next.id).toBeGreaterThan(held.id);
      // Every other key is untouched.
      for (const other of HOSTILE_KEYS) {
        if (other !== key) expect(await m0.get(other)).toEqual({ target: 1, active: 0 });
      }
      await m2.release(next.id);
      expect(await m0.get(key)).toEqual({ target: 1, active: 0 });
    }
    for (const key of HOSTILE_KEYS) await m1.set(key, 0);
    expect(await m2.keys()).toEqual([]);
  }, 60_000);

  test('a hostile pool name is a pool of its own', async () => {
    // Pool names are data too: two pools whose names differ by a brace share nothing.
    const base = `{pool|${process.pid}}\n`;
    const config = (pool: string) => ({ url: fleet.server.url, pool, leaseTtl: 5_000 });
    const [a] = await startMembers(config(base), 1, 'name-a');
    const [b] = await startMembers(config(`${base}}`), 1, 'name-b');
    if (!a || !b) throw new Error('members missing');
    fleet.adopt(a, b);
    await a.set('k', 1);
    expect(await b.get('k')).toEqual({ target: 0, active: 0 });
    expect(await b.keys()).toEqual([]);
    await b.set('k', 2);
    expect(await a.get('k')).toEqual({ target: 1, active: 0 });
  });
});
