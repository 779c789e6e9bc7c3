import { describe, expect, test } from 'vitest';
import { createPool } from '../src/index.js';

describe('S4 fairness across keys', () => {
  test('any-key grants rotate round-robin over the groups that can grant, in the order they became able', () => {
    const pool = createPool<string>();
    pool.set('a', 3);
    pool.set('b', 3);
    pool.set('c', 3);
    const keys = Array.from({ length: 9 }, () => pool.tryAcquire()?.key);
    expect(keys).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c']);
  });

  test('a group that grants and can still grant goes to the back of the rotation', () => {
    const pool = createPool<string>();
    pool.set('a', 2);
    pool.set('b', 1);
    pool.set('c', 2);
    const keys = Array.from({ length: 5 }, () => pool.tryAcquire()?.key);
    expect(keys).toEqual(['a', 'b', 'c', 'a', 'c']);
  });

  test('a group that becomes able to grant joins the rotation at the back', () => {
    const pool = createPool<string>();
    pool.set('a', 1);
    pool.set('b', 2);
    const first = pool.tryAcquire();
    expect(first?.key).toBe('a');
    // now the rotation is [b]; a's release makes it able again, behind b
    first?.release();
    expect([pool.tryAcquire()?.key, pool.tryAcquire()?.key, pool.tryAcquire()?.key]).toEqual(['b', 'a', 'b']);
  });

  test('a keyed grant sends its group to the back of the rotation', () => {
    const pool = createPool<string>();
    pool.set('a', 3);
    pool.set('b', 3);
    expect(pool.tryAcquire({ key: 'a' })?.key).toBe('a');
    expect(pool.tryAcquire()?.key).toBe('b');
    expect(pool.tryAcquire()?.key).toBe('a');
  });

  test('no group that can grant is passed over more than (groups that can grant - 1) times in a row', () => {
    const pool = createPool<number>();
    const targets = [5, 1, 3, 2, 4];
    for (const [key, target] of targets.entries()) pool.set(key, target);
    // Per key, the current run of grants that passed it over, and the most groups able to grant during that run.
    const streaks = new Map<number, { passedOver: number; mostAble: number }>();
    for (let grant = 0; grant < 15; grant++) {
      const able = targets.map((_, key) => key).filter((key) => pool.get(key).active < pool.get(key).target);
      const lease = pool.tryAcquire();
      expect(lease).toBeDefined();
      for (const key of able) {
        const streak = streaks.get(key) ?? { passedOver: 0, mostAble: 0 };
        if (key === lease?.key) {
          streaks.delete(key);
          continue;
        }
        streak.passedOver++;
        streak.mostAble = Math.max(streak.mostAble, able.length);
        streaks.set(key, streak);
        expect(streak.passedOver).toBeLessThanOrEqual(streak.mostAble - 1);
      }
    }
    expect(pool.tryAcquire()).toBeUndefined();
  });
});
