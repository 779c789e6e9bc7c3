import { describe, expect, test } from 'vitest';
import { createPool, PoolStoppedError } from '../src/index.js';
import { flush, track } from './support.js';

describe('user code run inside a call may call back into the pool', () => {
  test('acquire settles with PoolStoppedError when its key option getter stops the pool', async () => {
    const pool = createPool<string>();
    const waiter = track(
      pool.acquire({
        get key() {
          pool.stop();
          return 'a';
        },
      }),
    );
    await flush();
    expect(waiter.reason).toBeInstanceOf(PoolStoppedError);
  });

  test('acquire settles with PoolStoppedError when its signal option getter stops the pool', async () => {
    const pool = createPool<string>();
    pool.set('a', 1);
    const waiter = track(
      pool.acquire({
        get signal() {
          pool.stop();
          return undefined;
        },
      }),
    );
    await flush();
    expect(waiter.reason).toBeInstanceOf(PoolStoppedError);
    expect(pool.get('a').active).toBe(0);
  });

  test('tryAcquire returns undefined when its key option getter stops the pool', () => {
    const pool = createPool<string>();
    pool.set('a', 1);
    const lease = pool.tryAcquire({
      get key() {
        pool.stop();
        return 'a';
      },
    });
    expect(lease).toBeUndefined();
    expect(pool.get('a').active).toBe(0);
  });
});
