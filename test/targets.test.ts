import { describe, expect, test } from 'vitest';
import { createPool } from '../src/index.js';
import { flush, track } from './support.js';

describe('S1 targets', () => {
  test('a target of at least 1 creates the group with active 0', () => {
    const pool = createPool<string>();
    pool.set('k', 3);
    expect(pool.get('k')).toEqual({ target: 3, active: 0 });
    expect(pool.keys()).toEqual(['k']);
  });

  test('setting the target of an existing group updates it', () => {
    const pool = createPool<string>();
    pool.set('k', 3);
    pool.set('k', 5);
    expect(pool.get('k')).toEqual({ target: 5, active: 0 });
  });

  test('an unknown key reads as target 0, active 0', () => {
    const pool = createPool<string>();
    expect(pool.get('nobody')).toEqual({ target: 0, active: 0 });
  });

  test('target 0 on an idle group removes it at once and stops its actor', () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    const ref = pool.actor.getSnapshot().context.groups.get('k')?.ref;
    pool.set('k', 0);
    expect(pool.keys()).toEqual([]);
    expect(pool.get('k')).toEqual({ target: 0, active: 0 });
    expect(ref?.getSnapshot().status).toBe('stopped');
  });

  test('target 0 for a key with no group creates nothing', () => {
    const pool = createPool<string>();
    pool.set('k', 0);
    expect(pool.keys()).toEqual([]);
  });

  test('keys are compared like Map keys: 1 and "1" are different groups, NaN is one', () => {
    const pool = createPool<unknown>();
    pool.set(1, 1);
    pool.set('1', 2);
    pool.set(Number.NaN, 3);
    pool.set(Number.NaN, 4);
    pool.set(-0, 5);
    expect(pool.get(1)).toEqual({ target: 1, active: 0 });
    expect(pool.get('1')).toEqual({ target: 2, active: 0 });
    expect(pool.get(Number.NaN)).toEqual({ target: 4, active: 0 });
    expect(pool.get(0)).toEqual({ target: 5, active: 0 });
    expect(pool.keys()).toHaveLength(4);
  });

  test('object keys are compared by identity', () => {
    const pool = createPool<object>();
    const a = { name: 'a' };
    pool.set(a, 1);
    expect(pool.get({ name: 'a' })).toEqual({ target: 0, active: 0 });
    expect(pool.get(a)).toEqual({ target: 1, active: 0 });
  });
});

describe('S1a draining instead of forgetting', () => {
  test('a group with leases out stays, draining, after set(k, 0)', async () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    await pool.acquire();
    pool.set('k', 0);
    expect(pool.keys()).toEqual(['k']);
    expect(pool.get('k')).toEqual({ target: 0, active: 1 });
    expect(pool.actor.getSnapshot().context.groups.get('k')?.ref.getSnapshot().value).toBe('draining');
  });

  test('the draining group is removed when its last lease is released', async () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    const a = await pool.acquire();
    const b = await pool.acquire();
    pool.set('k', 0);
    a.release();
    expect(pool.keys()).toEqual(['k']);
    b.release();
    expect(pool.keys()).toEqual([]);
  });

  test('a later set revives the draining group with its active count, so the limit holds', async () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    const held = await pool.acquire();
    pool.set('k', 0);
    pool.set('k', 2);
    expect(pool.get('k')).toEqual({ target: 2, active: 1 });
    expect(pool.tryAcquire()).toBeDefined();
    expect(pool.tryAcquire()).toBeUndefined();
    held.release();
    expect(pool.get('k')).toEqual({ target: 2, active: 1 });
  });

  test('a waiter for a draining key waits until the key is set again', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const held = await pool.acquire();
    pool.set('k', 0);
    const waiter = track(pool.acquire({ key: 'k' }));
    held.release();
    await flush();
    expect(waiter.state).toBe('pending');
    pool.set('k', 1);
    await flush();
    expect(waiter.state).toBe('fulfilled');
  });
});
