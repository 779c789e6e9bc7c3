import { describe, expect, test } from 'vitest';
import { createPool } from '../src/index.js';
import { flush, track } from './support.js';

describe('S2 grant rule', () => {
  test('a group grants only while active is below target', async () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    expect(pool.tryAcquire()).toBeDefined();
    expect(pool.tryAcquire()).toBeDefined();
    expect(pool.tryAcquire()).toBeUndefined();
    expect(pool.get('k')).toEqual({ target: 2, active: 2 });
  });

  test('lowering the target below active grants nothing until releases bring active below it', async () => {
    const pool = createPool<string>();
    pool.set('k', 3);
    const leases = [pool.tryAcquire(), pool.tryAcquire(), pool.tryAcquire()];
    pool.set('k', 1);
    const waiter = track(pool.acquire());
    leases[0]?.release();
    await flush();
    expect(waiter.state).toBe('pending');
    expect(pool.get('k')).toEqual({ target: 1, active: 2 });
    leases[1]?.release();
    await flush();
    expect(waiter.state).toBe('pending');
    expect(pool.get('k')).toEqual({ target: 1, active: 1 });
    leases[2]?.release();
    await flush();
    expect(waiter.state).toBe('fulfilled');
    expect(pool.get('k')).toEqual({ target: 1, active: 1 });
  });

  test('raising the target grants to waiters at once', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    pool.tryAcquire();
    const waiters = [track(pool.acquire()), track(pool.acquire()), track(pool.acquire())];
    pool.set('k', 3);
    await flush();
    expect(waiters.map((w) => w.state)).toEqual(['fulfilled', 'fulfilled', 'pending']);
  });
});

describe('S3 waiters', () => {
  test('a waiter with no key accepts a lease from any group', async () => {
    const pool = createPool<string>();
    pool.set('only', 1);
    expect((await pool.acquire()).key).toBe('only');
  });

  test('a keyed waiter accepts only its own key, even while another key can grant', async () => {
    const pool = createPool<string>();
    pool.set('other', 5);
    const waiter = track(pool.acquire({ key: 'mine' }));
    await flush();
    expect(waiter.state).toBe('pending');
    expect(pool.get('other')).toEqual({ target: 5, active: 0 });
    pool.set('mine', 1);
    await flush();
    expect(waiter.value?.key).toBe('mine');
  });

  test('a keyed waiter for a key with no group waits until the key is set', async () => {
    const pool = createPool<string>();
    const waiter = track(pool.acquire({ key: 'later' }));
    await flush();
    expect(waiter.state).toBe('pending');
    pool.set('later', 1);
    await flush();
    expect(waiter.state).toBe('fulfilled');
  });

  test('waiters are served first come, first served', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const held = pool.tryAcquire();
    const order: number[] = [];
    const waiters = [0, 1, 2, 3].map((i) =>
      pool.acquire().then((lease) => {
        order.push(i);
        lease.release();
      }),
    );
    held?.release();
    await Promise.all(waiters);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  test('a group grants to the oldest waiter that accepts it, keyed or not', async () => {
    const pool = createPool<string>();
    pool.set('a', 1);
    const held = pool.tryAcquire({ key: 'a' });
    const keyedB = track(pool.acquire({ key: 'b' }));
    const anyKey = track(pool.acquire());
    const keyedA = track(pool.acquire({ key: 'a' }));
    held?.release();
    await flush();
    expect([keyedB.state, anyKey.state, keyedA.state]).toEqual(['pending', 'fulfilled', 'pending']);
    anyKey.value?.release();
    await flush();
    expect(keyedA.state).toBe('fulfilled');
    expect(keyedB.state).toBe('pending');
  });

  test('an older keyed waiter is served before a younger any-key waiter', async () => {
    const pool = createPool<string>();
    pool.set('a', 1);
    const held = pool.tryAcquire();
    const keyedA = track(pool.acquire({ key: 'a' }));
    const anyKey = track(pool.acquire());
    held?.release();
    await flush();
    expect([keyedA.state, anyKey.state]).toEqual(['fulfilled', 'pending']);
  });
});
