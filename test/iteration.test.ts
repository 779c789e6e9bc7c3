import { describe, expect, test } from 'vitest';
import { createPool, type Lease } from '../src/index.js';
import { flush } from './support.js';

describe('leases() async iteration', () => {
  test('yields leases as they become available, like ranging over Go’s Acquire channel', async () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    const seen: number[] = [];
    for await (const lease of pool.leases()) {
      seen.push(lease.id);
      lease.release();
      if (seen.length === 5) break;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  test('yields only the given key’s leases', async () => {
    const pool = createPool<string>();
    pool.set('a', 5);
    pool.set('b', 5);
    const keys: string[] = [];
    for await (const lease of pool.leases({ key: 'b' })) {
      keys.push(lease.key);
      if (keys.length === 3) break;
    }
    expect(keys).toEqual(['b', 'b', 'b']);
  });

  test('ends when the pool stops', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const seen: Lease<string>[] = [];
    for await (const lease of pool.leases()) {
      seen.push(lease);
      pool.stop();
    }
    expect(seen).toHaveLength(1);
  });

  test('throws the signal’s reason when its signal aborts', async () => {
    const pool = createPool<string>();
    const controller = new AbortController();
    const reason = new Error('enough');
    const loop = (async () => {
      for await (const _ of pool.leases({ signal: controller.signal })) {
        // never granted
      }
    })();
    controller.abort(reason);
    await expect(loop).rejects.toBe(reason);
    expect(pool.actor.getSnapshot().context.waiters.size).toBe(0);
  });

  test('throws, not ends, when its signal aborts with a PoolStoppedError of another pool', async () => {
    const pool = createPool<string>();
    const other = createPool<string>();
    const loop = (async () => {
      for await (const _ of pool.leases({ signal: other.signal })) {
        // never granted
      }
    })();
    await flush();
    other.stop();
    await expect(loop).rejects.toBe(other.signal.reason);
    expect(pool.stopped).toBe(false);
    expect(pool.actor.getSnapshot().context.waiters.size).toBe(0);
  });

  test('ends quietly when the pool stops, also when its signal is the pool’s own', async () => {
    const pool = createPool<string>();
    const loop = (async () => {
      for await (const _ of pool.leases({ signal: pool.signal })) {
        // never granted
      }
    })();
    await flush();
    pool.stop();
    await expect(loop).resolves.toBeUndefined();
  });

  test('return() while a step is pending withdraws the request, leaving no waiter behind', async () => {
    const pool = createPool<string>();
    const iterator = pool.leases();
    const step = iterator.next();
    await flush();
    expect(pool.actor.getSnapshot().context.waiters.size).toBe(1);
    await iterator.return?.();
    await expect(step).resolves.toEqual({ done: true, value: undefined });
    expect(pool.actor.getSnapshot().context.waiters.size).toBe(0);
    pool.set('k', 1);
    expect(pool.get('k')).toEqual({ target: 1, active: 0 });
  });

  test('breaking out of the loop leaves no waiter and no lease but those the body kept', async () => {
    const pool = createPool<string>();
    pool.set('k', 3);
    for await (const lease of pool.leases()) {
      lease.release();
      break;
    }
    expect(pool.get('k')).toEqual({ target: 3, active: 0 });
    expect(pool.actor.getSnapshot().context.waiters.size).toBe(0);
  });
});

describe('run()', () => {
  test('runs fn with a lease and releases it after fn resolves', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const result = await pool.run(async (lease) => {
      expect(pool.get('k').active).toBe(1);
      return `done with ${lease.key}`;
    });
    expect(result).toBe('done with k');
    expect(pool.get('k').active).toBe(0);
  });

  test('releases the lease and passes the error through when fn throws', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const error = new Error('work failed');
    await expect(
      pool.run(() => {
        throw error;
      }),
    ).rejects.toBe(error);
    expect(pool.get('k').active).toBe(0);
  });

  test('releases the lease and passes the rejection through when fn rejects', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const error = new Error('async work failed');
    await expect(pool.run(() => Promise.reject(error))).rejects.toBe(error);
    expect(pool.get('k').active).toBe(0);
  });

  test('honours the key option', async () => {
    const pool = createPool<string>();
    pool.set('a', 1);
    pool.set('b', 1);
    expect(await pool.run((lease) => lease.key, { key: 'b' })).toBe('b');
  });
});
