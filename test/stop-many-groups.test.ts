import { describe, expect, test } from 'vitest';
import { createPool } from '../src/index.js';
import { CLOSE_BATCH } from '../src/machines/pool/grants.js';

/** Many more groups than one pool event closes, so stop() takes many batches. */
const MANY = CLOSE_BATCH * 2 + 2_500;

describe('S8 stop with more groups than one batch', () => {
  test('stop with no lease out removes every group and ends stopped, before it returns', () => {
    const pool = createPool<number>();
    for (let key = 0; key < MANY; key++) pool.set(key, 2);
    const refs = [...pool.actor.getSnapshot().context.groups.values()].map((entry) => entry.ref);
    pool.stop();
    expect(pool.actor.getSnapshot().value).toBe('stopped');
    expect(pool.keys()).toEqual([]);
    expect(refs.every((ref) => ref.getSnapshot().status === 'stopped')).toBe(true);
    expect(refs.every((ref) => ref.getSnapshot().context.target === 0)).toBe(true);
  });

  test('stop with leases out drains their groups, removes the idle ones, and stops at the last release', () => {
    const pool = createPool<number>();
    for (let key = 0; key < MANY; key++) pool.set(key, 1);
    const first = pool.tryAcquire({ key: 0 });
    const last = pool.tryAcquire({ key: MANY - 1 });
    pool.stop();
    expect(pool.actor.getSnapshot().value).toBe('stopping');
    expect(pool.keys()).toEqual([0, MANY - 1]);
    expect(pool.get(0)).toEqual({ target: 0, active: 1 });
    expect(pool.get(MANY - 1)).toEqual({ target: 0, active: 1 });
    first?.release();
    expect(pool.actor.getSnapshot().value).toBe('stopping');
    last?.release();
    expect(pool.actor.getSnapshot().value).toBe('stopped');
    expect(pool.keys()).toEqual([]);
  });
});
