import { describe, expect, test } from 'vitest';
import { createPool, type Lease } from '../src/index.js';
import { flush, track } from './support.js';

// Ports of the Go package's tests; Go's single-key Set(n) becomes set(key, n).
describe('ports of the Go tests', () => {
  test('TestFull: 200 leases out, 200 more wait, and set(201) gives exactly one more', async () => {
    const pool = createPool<string>();
    pool.set('k', 200);
    const first = await Promise.all(Array.from({ length: 200 }, () => pool.acquire()));
    expect(pool.tryAcquire()).toBeUndefined();

    const second = Array.from({ length: 200 }, () => track(pool.acquire()));
    await flush();
    expect(second.every((t) => t.state === 'pending')).toBe(true);

    for (const lease of first) lease.release();
    await flush();
    expect(second.every((t) => t.state === 'fulfilled')).toBe(true);
    expect(pool.get('k')).toEqual({ target: 200, active: 200 });
    expect(pool.tryAcquire()).toBeUndefined();

    pool.set('k', 201);
    const extra = pool.tryAcquire();
    expect(extra).toBeDefined();
    expect(pool.tryAcquire()).toBeUndefined();
    expect(pool.get('k')).toEqual({ target: 201, active: 201 });
  });

  test('TestZeroed: after set(k, 0) no lease is granted', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    (await pool.acquire()).release();
    pool.set('k', 0);
    const waiting = track(pool.acquire());
    await flush();
    expect(waiting.state).toBe('pending');
    expect(pool.tryAcquire()).toBeUndefined();
    pool.stop();
  });
});

describe('the four bugs measured in the Go pool cannot happen here', () => {
  test('get reports the leases still out after set(k, 0)', async () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    await pool.acquire();
    await pool.acquire();
    pool.set('k', 0);
    expect(pool.get('k')).toEqual({ target: 0, active: 2 });
  });

  test('set(k, 0) then set(k, 2) never lets more than 2 leases run', async () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    const old: Lease<string>[] = [await pool.acquire(), await pool.acquire()];
    pool.set('k', 0);
    pool.set('k', 2);
    expect(pool.tryAcquire()).toBeUndefined();
    expect(pool.get('k')).toEqual({ target: 2, active: 2 });
    old[0]?.release();
    expect(pool.tryAcquire()).toBeDefined();
    expect(pool.get('k')).toEqual({ target: 2, active: 2 });
  });

  test('no lease is granted for k once set(k, 0) has returned, whoever was waiting', async () => {
    for (let trial = 0; trial < 50; trial++) {
      const pool = createPool<string>();
      pool.set('k', 1);
      const held = await pool.acquire();
      const waiters = Array.from({ length: 5 }, () => track(pool.acquire({ key: 'k' })));
      pool.set('k', 0);
      held.release();
      await flush();
      expect(waiters.map((w) => w.state)).toEqual(Array(5).fill('pending'));
      expect(pool.get('k')).toEqual({ target: 0, active: 0 });
      pool.stop();
    }
  });

  test('active never goes below zero, however often leases are released', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const lease = await pool.acquire();
    lease.release();
    lease.release();
    lease[Symbol.dispose]();
    expect(pool.get('k')).toEqual({ target: 1, active: 0 });
    pool.actor.send({ type: 'lease.release', leaseId: lease.id });
    expect(pool.get('k')).toEqual({ target: 1, active: 0 });
  });
});
