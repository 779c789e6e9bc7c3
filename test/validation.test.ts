import { describe, expect, test } from 'vitest';
import { createPool, type Pool } from '../src/index.js';
import { snapshotCounts } from './support.js';

// Each bad call must throw (or reject) with a message naming the argument and the value, and change nothing (S1, S10).

function poolWithState(): Pool<unknown> {
  const pool = createPool<unknown>();
  pool.set('a', 2);
  pool.set('b', 1);
  pool.tryAcquire({ key: 'a' });
  return pool;
}

const badTargets: Array<[unknown, ErrorConstructor, string]> = [
  [-1, RangeError, '`-1` (number)'],
  [1.5, RangeError, '`1.5` (number)'],
  [Number.NaN, RangeError, '`NaN` (number)'],
  [Number.POSITIVE_INFINITY, RangeError, '`Infinity` (number)'],
  [Number.MAX_SAFE_INTEGER + 1, RangeError, '`9007199254740992` (number)'],
  [-0.5, RangeError, '`-0.5` (number)'],
  ['3', TypeError, '`"3"` (string)'],
  [3n, TypeError, '`3n` (bigint)'],
  [null, TypeError, '`null` (null)'],
  [undefined, TypeError, '`undefined` (undefined)'],
  [{}, TypeError, '`[object Object]` (object)'],
  [[2], TypeError, '(array)'],
  [true, TypeError, '`true` (boolean)'],
];

describe('bad input to set', () => {
  test.each(badTargets)(
    'set(key, %s) throws naming `target` and the value, and changes nothing',
    (target, type, shown) => {
      const pool = poolWithState();
      const before = snapshotCounts(pool);
      expect(() => pool.set('a', target as number)).toThrow(type);
      expect(() => pool.set('a', target as number)).toThrow(/`target`/);
      expect(() => pool.set('a', target as number)).toThrow(shown);
      expect(() => pool.set('new', target as number)).toThrow(type);
      expect(snapshotCounts(pool)).toEqual(before);
    },
  );

  test('set(undefined, n) throws a TypeError naming `key`, and changes nothing', () => {
    const pool = poolWithState();
    const before = snapshotCounts(pool);
    expect(() => pool.set(undefined, 1)).toThrow(TypeError);
    expect(() => pool.set(undefined, 1)).toThrow(/`key`.*`undefined`/);
    expect(snapshotCounts(pool)).toEqual(before);
  });

  test('MAX_SAFE_INTEGER and 0 are accepted targets', () => {
    const pool = createPool<string>();
    pool.set('k', Number.MAX_SAFE_INTEGER);
    expect(pool.get('k').target).toBe(Number.MAX_SAFE_INTEGER);
    pool.set('k', 0);
    expect(pool.keys()).toEqual([]);
  });

  test('a raw target.set event with a bad target is ignored by the actor', () => {
    const pool = poolWithState();
    const before = snapshotCounts(pool);
    pool.actor.send({ type: 'target.set', key: 'a', target: -5 });
    pool.actor.send({ type: 'target.set', key: 'a', target: 0.5 });
    expect(snapshotCounts(pool)).toEqual(before);
  });
});

describe('bad options', () => {
  const badOptions: unknown[] = [null, 5, 'key', [], () => {}];

  test.each(badOptions)('acquire(%s) rejects with a TypeError and queues nothing', async (options) => {
    const pool = poolWithState();
    await expect(pool.acquire(options as never)).rejects.toThrow(TypeError);
    await expect(pool.acquire(options as never)).rejects.toThrow(/options of `acquire`/);
    expect(pool.actor.getSnapshot().context.waiters.size).toBe(0);
  });

  test.each(badOptions)('tryAcquire(%s) throws a TypeError and grants nothing', (options) => {
    const pool = poolWithState();
    const before = snapshotCounts(pool);
    expect(() => pool.tryAcquire(options as never)).toThrow(TypeError);
    expect(snapshotCounts(pool)).toEqual(before);
  });

  test.each(badOptions)('leases(%s) throws a TypeError', (options) => {
    const pool = poolWithState();
    expect(() => pool.leases(options as never)).toThrow(/options of `leases`/);
  });

  test.each(badOptions)('createPool(%s) throws a TypeError', (options) => {
    expect(() => createPool(options as never)).toThrow(/options of `createPool`/);
  });

  test('a signal that is not an AbortSignal is rejected, naming `signal`', async () => {
    const pool = poolWithState();
    const fake = { aborted: false, addEventListener() {} };
    await expect(pool.acquire({ signal: fake as never })).rejects.toThrow(/`signal`.*\(object\)/);
    expect(() => pool.leases({ signal: fake as never })).toThrow(TypeError);
    expect(() => createPool({ signal: fake as never })).toThrow(/`signal`/);
    expect(pool.actor.getSnapshot().context.waiters.size).toBe(0);
  });

  test('an unknown option name is rejected, naming it', async () => {
    const pool = poolWithState();
    await expect(pool.acquire({ kye: 'a' } as never)).rejects.toThrow(/`kye`/);
    expect(() => pool.tryAcquire({ signal: AbortSignal.abort() } as never)).toThrow(/`signal` for `tryAcquire`/);
    expect(() => createPool({ inspekt: () => {} } as never)).toThrow(/`inspekt`/);
  });

  test('an inspect option that is neither a function nor an observer is rejected', () => {
    expect(() => createPool({ inspect: 42 as never })).toThrow(/`inspect`.*`42`/);
  });

  test('an inspect observer whose next, error or complete is not a function is rejected, naming it', () => {
    expect(() => createPool({ inspect: { next: 5 } as never })).toThrow(TypeError);
    expect(() => createPool({ inspect: { next: 5 } as never })).toThrow(/`inspect\.next`.*`5` \(number\)/);
    expect(() => createPool({ inspect: { next() {}, error: 'x' } as never })).toThrow(/`inspect\.error`/);
    expect(() => createPool({ inspect: { complete: null } as never })).toThrow(/`inspect\.complete`/);
  });

  test('a signal that only looks like an AbortSignal (its prototype, not its brand) makes acquire reject, not throw', async () => {
    const pool = poolWithState();
    const fake = Object.create(AbortSignal.prototype) as AbortSignal;
    let returned: Promise<unknown> | undefined;
    expect(() => {
      returned = pool.acquire({ signal: fake });
    }).not.toThrow();
    await expect(returned).rejects.toThrow(/`signal`.*AbortSignal/);
    expect(() => pool.leases({ signal: fake })).toThrow(TypeError);
    expect(() => createPool({ signal: fake })).toThrow(/`signal`/);
    expect(pool.actor.getSnapshot().context.waiters.size).toBe(0);
  });

  test('run with a non-function rejects with a TypeError naming `fn`, and acquires nothing', async () => {
    const pool = poolWithState();
    const before = snapshotCounts(pool);
    await expect(pool.run('work' as never)).rejects.toThrow(/`fn`.*"work"/);
    expect(snapshotCounts(pool)).toEqual(before);
  });

  test('{ key: undefined } means any key, as if absent', async () => {
    const pool = createPool<string>();
    pool.set('a', 1);
    expect((await pool.acquire({ key: undefined })).key).toBe('a');
  });

  test('get(undefined) throws a TypeError naming `key`', () => {
    const pool = poolWithState();
    expect(() => pool.get(undefined)).toThrow(/`key`/);
  });
});
