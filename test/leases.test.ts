import { describe, expect, test } from 'vitest';
import { createPool, zeroLease } from '../src/index.js';

describe('S6 lease identity', () => {
  test('lease ids are positive integers increasing in grant order', async () => {
    const pool = createPool<string>();
    pool.set('a', 2);
    pool.set('b', 2);
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) {
      const lease = i % 3 === 0 ? await pool.acquire() : pool.tryAcquire();
      if (!lease) throw new Error('expected a lease');
      ids.push(lease.id);
      lease.release();
    }
    expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('a lease handed straight to a waiter gets a new id', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const first = await pool.acquire();
    const next = pool.acquire();
    first.release();
    expect((await next).id).toBeGreaterThan(first.id);
  });

  test('a lease carries the key of its group', async () => {
    const pool = createPool<{ name: string }>();
    const key = { name: 'k' };
    pool.set(key, 1);
    expect((await pool.acquire()).key).toBe(key);
  });

  test('release is idempotent', async () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    const a = await pool.acquire();
    await pool.acquire();
    a.release();
    a.release();
    expect(pool.get('k')).toEqual({ target: 2, active: 1 });
  });

  test('releasing a lease changes no count but its own group’s', async () => {
    const pool = createPool<string>();
    pool.set('a', 1);
    pool.set('b', 1);
    const a = await pool.acquire({ key: 'a' });
    await pool.acquire({ key: 'b' });
    a.release();
    expect(pool.get('a')).toEqual({ target: 1, active: 0 });
    expect(pool.get('b')).toEqual({ target: 1, active: 1 });
  });

  test('using releases the lease at the end of the block', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    {
      using lease = await pool.acquire();
      expect(lease.isZero()).toBe(false);
      expect(pool.get('k').active).toBe(1);
    }
    expect(pool.get('k').active).toBe(0);
  });

  test('the zero lease has id 0, is zero, and releasing it does nothing', () => {
    expect(zeroLease.id).toBe(0);
    expect(zeroLease.isZero()).toBe(true);
    expect(zeroLease.key).toBeUndefined();
    expect(() => zeroLease.release()).not.toThrow();
    expect(() => zeroLease[Symbol.dispose]()).not.toThrow();
  });
});
