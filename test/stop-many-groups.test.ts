import { describe, expect, test } from 'vitest';
import { createPool } from '../src/index.js';
import { CLOSE_BATCH } from '../src/machines/pool/grants.js';

/** Many more groups than one pool event closes, so stop() takes many batches. */
const MANY = CLOSE_BATCH * 2 + 2_500;

describe('S8 stop with more groups than one batch', () => {
  test('stop with no lease out closes every group, keeps its target, and ends stopped before it returns', () => {
    const pool = createPool<number>();
    for (let key = 0; key < MANY; key++) pool.set(key, 2);
    const refs = [...pool.actor.getSnapshot().context.groups.values()].map((entry) => entry.ref);
    pool.stop();
    expect(pool.actor.getSnapshot().value).toBe('stopped');
    expect(pool.keys()).toHaveLength(MANY);
    expect(refs.every((ref) => ref.getSnapshot().status === 'stopped')).toBe(true);
    expect(refs.every((ref) => ref.getSnapshot().value === 'closed')).toBe(true);
    expect(refs.every((ref) => ref.getSnapshot().context.target === 2)).toBe(true);
  });

  test('stop with leases out closes every group and stops at the last release, targets as set', () => {
    const pool = createPool<number>();
    for (let key = 0; key < MANY; key++) pool.set(key, 1);
    const first = pool.tryAcquire({ key: 0 });
    const last = pool.tryAcquire({ key: MANY - 1 });
    pool.stop();
    expect(pool.actor.getSnapshot().value).toBe('stopping');
    expect(pool.keys()).toHaveLength(MANY);
    expect(pool.get(0)).toEqual({ target: 1, active: 1 });
    expect(pool.get(MANY - 1)).toEqual({ target: 1, active: 1 });
    first?.release();
    expect(pool.actor.getSnapshot().value).toBe('stopping');
    last?.release();
    expect(pool.actor.getSnapshot().value).toBe('stopped');
    expect(pool.get(MANY - 1)).toEqual({ target: 1, active: 0 });
  });
});
