import { describe, expect, test } from 'vitest';
import { createPool, type Pool } from '../src/index.js';
import { flush, track } from './support.js';

/** Whether some pending waiter could be served by a group that can grant (what S5 forbids). */
function hasLostWakeUp(pool: Pool<string>): boolean {
  const { waiters, ready } = pool.actor.getSnapshot().context;
  for (const entry of ready) if (waiters.oldestFor(entry.key)) return true;
  return false;
}

describe('S5 no lost wake-ups', () => {
  test('set grants to waiters before it returns', () => {
    const pool = createPool<string>();
    const waiter = track(pool.acquire());
    pool.set('k', 1);
    expect(pool.get('k')).toEqual({ target: 1, active: 1 });
    expect(hasLostWakeUp(pool)).toBe(false);
    return waiter.promise;
  });

  test('release hands the lease to a waiter before it returns', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const held = await pool.acquire();
    const waiter = track(pool.acquire());
    held.release();
    expect(pool.get('k')).toEqual({ target: 1, active: 1 });
    expect(pool.actor.getSnapshot().context.waiters.size).toBe(0);
    await flush();
    expect(waiter.state).toBe('fulfilled');
  });

  test('an acquired lease resolves on the next microtask', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    let resolved = false;
    const done = pool.acquire().then(() => {
      resolved = true;
    });
    expect(resolved).toBe(false);
    await Promise.resolve();
    await Promise.resolve();
    expect(resolved).toBe(true);
    await done;
  });

  test('an abort that frees nothing leaves no waiter beside a group that could serve it', async () => {
    const pool = createPool<string>();
    pool.set('a', 1);
    pool.tryAcquire();
    const controller = new AbortController();
    const aborted = track(pool.acquire({ signal: controller.signal }));
    const behind = track(pool.acquire({ key: 'b' }));
    controller.abort();
    pool.set('b', 1);
    await flush();
    expect(aborted.state).toBe('rejected');
    expect(behind.state).toBe('fulfilled');
    expect(hasLostWakeUp(pool)).toBe(false);
  });

  test('tryAcquire never takes a lease an older waiter could take', async () => {
    const pool = createPool<string>();
    pool.set('a', 1);
    const held = pool.tryAcquire();
    const waiter = track(pool.acquire());
    expect(pool.tryAcquire()).toBeUndefined();
    held?.release();
    expect(pool.tryAcquire()).toBeUndefined();
    await flush();
    expect(waiter.state).toBe('fulfilled');
  });

  test('tryAcquire takes a lease no waiter wants', () => {
    const pool = createPool<string>();
    pool.set('a', 1);
    void track(pool.acquire({ key: 'b' }));
    expect(pool.tryAcquire()?.key).toBe('a');
  });
});
