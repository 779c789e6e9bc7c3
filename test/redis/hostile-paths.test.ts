import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ForeignValueError } from '../../src/redis/errors.js';
import { type PoolKeys, poolKeys } from '../../src/redis/redis-keys.js';
import { ScriptRunner } from '../../src/redis/script-runner.js';
import { connectClient, type TestClient } from './clients.js';
import { freshName, useRedisServer } from './fleet.js';
import { redisTestsRun } from './redis-server.js';
import { onScriptPath } from './script-path.js';

const server = useRedisServer({ beforeAll, afterAll });

/** Every key of the pool and what it holds, sorted: equal snapshots mean nothing was written. */
async function snapshot(client: TestClient, keys: PoolKeys): Promise<string[]> {
  const names = ((await client.command(['KEYS', `${keys.tag}*`])) as string[]).sort();
  const out: string[] = [];
  for (const name of names) {
    const type = String(await client.command(['TYPE', name]));
    const value =
      type === 'hash'
        ? await client.command(['HGETALL', name])
        : type === 'zset'
          ? await client.command(['ZRANGE', name, '0', '-1', 'WITHSCORES'])
          : await client.command(['GET', name]);
    out.push(`${name} ${type} ${JSON.stringify(value)}`);
  }
  return out;
}

/** One pool driven script by script: two members, `a` and `b`, and a raw client to plant values. */
interface Scene {
  readonly keys: PoolKeys;
  readonly a: ScriptRunner;
  readonly b: ScriptRunner;
  /** The pool's Redis key with this suffix (`q:x`, `meta`, …). */
  key(suffix: string): string;
  /** A third member, `d`, joined with leases of `x` and `y` (targets 1), then dead: b waits for `y`. */
  dying(): Promise<ScriptRunner>;
  /** Records `target` as the pool's defaultTarget, as a join of a member with it would have (D10). */
  defaultTarget(target: number): Promise<unknown>;
}

/**
 * Each path whose keys are no longer all checked with TYPE before writing (the first read of a key,
 * or the path's first write, catches the foreign value instead): a foreign value planted in exactly
 * that key makes the call reject with ForeignValueError naming it, and no key of the pool changes.
 */
const cases: Array<{
  readonly path: string;
  /** Brings the pool to the state the path starts from. */
  readonly arrange: (s: Scene) => Promise<unknown>;
  /** The key (suffix after the tag) the foreign value goes into. */
  readonly plant: string;
  readonly call: (s: Scene, arranged: unknown) => Promise<unknown>;
}> = [
  {
    path: 'acquire that queues for a key: the arrival seq (meta, first write)',
    arrange: (s) => s.a.set('x', 0),
    plant: 'meta',
    call: (s) => s.a.acquire(1, 'x'),
  },
  {
    path: 'acquire granted at once: the lease id (meta, first write)',
    arrange: (s) => s.a.set('x', 1),
    plant: 'meta',
    call: (s) => s.a.acquire(1, 'x'),
  },
  {
    path: 'acquire of any key: the rotation (ready, read first)',
    arrange: (s) => s.a.set('x', 1),
    plant: 'ready',
    call: (s) => s.a.acquire(1, undefined),
  },
  {
    path: 'tryAcquire of any key: the rotation (ready, read first)',
    arrange: (s) => s.a.set('x', 1),
    plant: 'ready',
    call: (s) => s.a.try(1, undefined),
  },
  {
    path: 'release handing off: the any-key queue (anyq, read first)',
    arrange: async (s) => {
      await s.a.set('x', 1);
      const held = await s.a.acquire(1, 'x');
      await s.b.acquire(1, 'x');
      return held;
    },
    plant: 'anyq',
    call: (s, held) => s.a.release((held as { lease: number }).lease),
  },
  {
    path: 'release handing off: the new lease id (meta, first write)',
    arrange: async (s) => {
      await s.a.set('x', 1);
      const held = await s.a.acquire(1, 'x');
      await s.b.acquire(1, 'x');
      return held;
    },
    plant: 'meta',
    call: (s, held) => s.a.release((held as { lease: number }).lease),
  },
  {
    path: 'release with no waiter: the key’s lease set (l:x, first write)',
    arrange: async (s) => {
      await s.a.set('x', 2);
      return s.a.acquire(1, 'x');
    },
    plant: 'l:x',
    call: (s, held) => s.a.release((held as { lease: number }).lease),
  },
  {
    path: 'release that puts the key back in the rotation: the turn (meta, first write)',
    arrange: async (s) => {
      await s.a.set('x', 1);
      return s.a.acquire(1, 'x');
    },
    plant: 'meta',
    call: (s, held) => s.a.release((held as { lease: number }).lease),
  },
  {
    path: 'release that retires the key: the key’s lease set (l:x, first write)',
    arrange: async (s) => {
      await s.a.set('x', 1);
      const held = await s.a.acquire(1, 'x');
      await s.a.set('x', 0);
      return held;
    },
    plant: 'l:x',
    call: (s, held) => s.a.release((held as { lease: number }).lease),
  },
  {
    path: 'cancel: the waiter’s queue (q:x, first write)',
    arrange: async (s) => {
      await s.a.acquire(1, 'x');
    },
    plant: 'q:x',
    call: (s) => s.a.cancel(1),
  },
  {
    path: 'cancel: the count of waiters (meta, first write)',
    arrange: async (s) => {
      await s.a.acquire(1, 'x');
    },
    plant: 'meta',
    call: (s) => s.a.cancel(1),
  },
  {
    path: 'acquire creating a group on demand: the pool’s defaultTarget (meta, read first)',
    arrange: (s) => s.defaultTarget(1),
    plant: 'meta',
    call: (s) => s.a.acquire(1, 't'),
  },
  {
    path: 'acquire creating a group on demand: its lease set (l:t, first write)',
    arrange: (s) => s.defaultTarget(1),
    plant: 'l:t',
    call: (s) => s.a.acquire(1, 't'),
  },
  {
    path: 'try creating a group on demand that serves an older any-key waiter: that waiter’s member’s leases (ml:b, checked)',
    arrange: async (s) => {
      await s.defaultTarget(1);
      await s.b.acquire(1, undefined);
    },
    plant: 'ml:b',
    call: (s) => s.a.try(1, 't'),
  },
  {
    path: 'release of the last lease of a group created on demand: its lease set (l:t, first write)',
    arrange: async (s) => {
      await s.defaultTarget(1);
      const reply = await s.a.acquire(1, 't');
      return reply.status === 'granted' ? reply.lease : 0;
    },
    plant: 'l:t',
    call: (s, lease) => s.a.release(lease as number),
  },
  {
    path: 'heartbeat: the member’s leases (ml:a, read before the membership is extended)',
    arrange: (s) => s.a.set('x', 1),
    plant: 'ml:a',
    call: (s) => s.a.heartbeat(60_000),
  },
  {
    path: 'set of a new key: its queue (q:x, read first)',
    arrange: async () => {},
    plant: 'q:x',
    call: (s) => s.a.set('x', 1),
  },
  {
    path: 'set of a new key: its creation seq (meta, first write)',
    arrange: async () => {},
    plant: 'meta',
    call: (s) => s.a.set('x', 1),
  },
  {
    path: 'set that grants waiters of two members: the second member’s waiters (mw:b, checked before the first grant)',
    arrange: async (s) => {
      await s.a.acquire(1, 'x');
      await s.b.acquire(1, 'x');
    },
    plant: 'mw:b',
    call: (s) => s.a.set('x', 2),
  },
  {
    path: 'set that revokes another member’s lease: that member’s leases (ml:b, read before the first revocation)',
    arrange: async (s) => {
      await s.a.set('x', 2);
      await s.a.acquire(1, 'x');
      await s.b.acquire(1, 'x');
    },
    plant: 'ml:b',
    call: (s) => s.a.set('x', 0),
  },
  {
    path: 'reap of a dead member with leases of two keys: the second key’s lease set (l:y, checked before the reap writes)',
    arrange: (s) => s.dying(),
    plant: 'l:y',
    call: (s) => s.a.get('x'),
  },
  {
    path: 'reap handing a dead member’s lease to a live waiter: that waiter’s member (mw:b, checked before the reap writes)',
    arrange: (s) => s.dying(),
    plant: 'mw:b',
    call: (s) => s.a.get('x'),
  },
  {
    path: 'final leave with leases of two keys: the second key’s lease set (l:y, checked before the leave writes)',
    arrange: async (s) => {
      await s.a.set('x', 1);
      await s.a.set('y', 1);
      await s.a.acquire(1, 'x');
      await s.a.acquire(2, 'y');
      await s.b.acquire(1, 'y');
    },
    plant: 'l:y',
    call: (s) => s.a.leave(true),
  },
];

/**
 * Both ways a member runs the scripts: FCALL of the pool's Redis Functions
 * library, and EVALSHA where Redis refuses functions (forced here with
 * XSTATE_WORKPOOL_REDIS_FUNCTIONS=0, read when a runner's adapter is made).
 */
const scriptPaths = [
  { path: 'functions', functions: true },
  { path: 'EVALSHA', functions: false },
] as const;

describe.runIf(redisTestsRun).each(scriptPaths)(
  'a foreign value met by a read or a first write changes nothing (D8), by $path',
  ({ functions }) => {
    let client: TestClient;
    let scene: Scene;
    beforeAll(async () => {
      client = await connectClient('node-redis', server.current().url);
    });
    afterAll(async () => {
      await client.close();
    });
    beforeEach(async () => {
      const keys = poolKeys('workpool', freshName('paths'));
      const runner = (member: string) => onScriptPath(functions, () => new ScriptRunner(client.client, keys, member));
      const a = runner('a');
      const b = runner('b');
      // A long TTL: no member is reaped and no heartbeat runs between the snapshots.
      await a.join(60_000);
      await b.join(60_000);
      scene = {
        keys,
        a,
        b,
        key: (suffix) => `${keys.tag}${suffix}`,
        async dying() {
          const d = runner('d');
          await d.join(60_000);
          await d.set('x', 1);
          await d.set('y', 1);
          await d.acquire(1, 'x');
          await d.acquire(2, 'y');
          await b.acquire(1, 'y');
          // Its deadline in the past: the next script of any member reaps it.
          await client.command(['ZADD', `${keys.tag}members`, '0', 'd']);
          return d;
        },
        defaultTarget: (target) => client.command(['HSET', `${keys.tag}meta`, 'dt', String(target)]),
      };
    });

    test.each(cases)('$path', async ({ arrange, plant, call }) => {
      const arranged = await arrange(scene);
      const planted = scene.key(plant);
      await client.command(['DEL', planted]);
      await client.command(['SET', planted, 'foreign']);
      const before = await snapshot(client, scene.keys);
      const error = await call(scene, arranged).catch((e: unknown) => e);
      expect(scene.a.adapter.functions).toBe(functions);
      expect(error).toBeInstanceOf(ForeignValueError);
      expect((error as ForeignValueError).redisKey).toBe(planted);
      expect((error as ForeignValueError).found).toBe('string');
      expect(await snapshot(client, scene.keys)).toEqual(before);
    });
  },
);
