import fc from 'fast-check';
import { describe, test } from 'vitest';
import { createPool, type Lease, PoolStoppedError } from '../src/index.js';
import { InvariantError } from './invariants.js';
import { checkProperty } from './runs.js';
import { flushMicrotasks } from './system.js';

type Op =
  | { readonly type: 'set'; readonly key: number; readonly target: number }
  | { readonly type: 'take' }
  | { readonly type: 'acquire' }
  | { readonly type: 'release'; readonly position: number };

const scenarioArb = fc.integer({ min: 2, max: 6 }).chain((groups) =>
  fc.record({
    targets: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: groups, maxLength: groups }),
    ops: fc.array(
      fc.oneof(
        { weight: 6, arbitrary: fc.constant<Op>({ type: 'take' }) },
        { weight: 2, arbitrary: fc.constant<Op>({ type: 'acquire' }) },
        { weight: 4, arbitrary: fc.nat(40).map((position): Op => ({ type: 'release', position })) },
        {
          weight: 1,
          arbitrary: fc
            .tuple(fc.nat(groups - 1), fc.integer({ min: 0, max: 8 }))
            .map(([key, target]): Op => ({ type: 'set', key, target })),
        },
      ),
      { maxLength: 120 },
    ),
  }),
);

/**
 * Follows, for every group, how many any-key grants in a row went to other
 * groups while it could grant, and the most groups that could grant during
 * that streak. SPEC S4: a streak never exceeds (groups that can grant − 1).
 */
class PassedOver {
  readonly #streak = new Map<string, { passes: number; most: number }>();

  /** An any-key grant went to `to` while `could` were the groups able to grant. */
  grant(to: string, could: readonly string[]): void {
    for (const key of could) {
      if (key === to) {
        this.#streak.delete(key);
        continue;
      }
      const s = this.#streak.get(key) ?? { passes: 0, most: 0 };
      s.passes++;
      s.most = Math.max(s.most, could.length);
      this.#streak.set(key, s);
      if (s.passes > s.most - 1) {
        throw new InvariantError(
          'S4 round-robin',
          `${key} passed over ${s.passes} times in a row with at most ${s.most} groups able to grant`,
        );
      }
    }
  }

  /** A group that can no longer grant ends its streak. */
  cannotGrant(key: string): void {
    this.#streak.delete(key);
  }
}

describe('round-robin across keys (SPEC S4)', () => {
  test('no group that can grant is passed over more than (groups that can grant − 1) times in a row', async () => {
    await checkProperty(
      'no group that can grant is passed over more than (groups that can grant − 1) times in a row',
      fc.asyncProperty(scenarioArb, async ({ targets, ops }) => {
        const pool = createPool<string>();
        const keys = targets.map((_, i) => `k${i}`);
        const held: Lease<string>[] = [];
        const passed = new PassedOver();
        const couldGrant = () => keys.filter((k) => pool.get(k).active < pool.get(k).target);
        const afterChange = () => {
          for (const k of keys) if (!couldGrant().includes(k)) passed.cannotGrant(k);
        };
        for (const [i, t] of targets.entries()) pool.set(`k${i}`, t);
        try {
          for (const op of ops) {
            const could = couldGrant();
            if (op.type === 'take') {
              const lease = pool.tryAcquire();
              if (lease) {
                held.push(lease);
                passed.grant(lease.key, could);
              }
            } else if (op.type === 'acquire') {
              let granted: Lease<string> | undefined;
              void pool.acquire().then(
                (lease) => {
                  granted = lease;
                  held.push(lease);
                },
                (error: unknown) => {
                  // The story's end stops the pool while this request may still wait; anything else is a failure.
                  if (!(error instanceof PoolStoppedError)) throw error;
                },
              );
              await flushMicrotasks();
              // A request that had to wait is served later by the one group freed for it, which passes nobody over.
              if (granted && could.length > 0) passed.grant(granted.key, could);
            } else if (op.type === 'release') {
              held.splice(op.position % Math.max(1, held.length), 1)[0]?.release();
              await flushMicrotasks();
            } else {
              pool.set(`k${op.key}`, op.target);
              await flushMicrotasks();
            }
            afterChange();
          }
        } finally {
          pool.stop();
        }
      }),
      300,
    );
  });
});
