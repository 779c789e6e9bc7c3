import fc from 'fast-check';
import { describe, test } from 'vitest';
import { createPool } from '../src/index.js';
import { InvariantError } from './invariants.js';
import { checkProperty } from './runs.js';
import { VirtualClock } from './virtual-clock.js';

const HOLD_MS = 10;
const END_MS = 60 * HOLD_MS;

/** Targets over 2..6 keys and workers that each want one key, or any (`undefined`). */
const systemArb = fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 2, maxLength: 6 }).chain((targets) =>
  fc.record({
    targets: fc.constant(targets),
    workers: fc.array(
      fc.record({
        key: fc.option(fc.nat(targets.length - 1), { nil: undefined }),
        start: fc.integer({ min: 0, max: HOLD_MS - 1 }),
      }),
      { minLength: 2, maxLength: 60 },
    ),
  }),
);

/** A request the test is waiting on. */
interface Waiting {
  readonly key: number | undefined;
}

/**
 * While a waiter for k waits, k is saturated (S5), so each of its `target`
 * leases comes back within one hold; the waiter is served once the older
 * waiters that accept k are, hence within ⌈(older + 1) / target⌉ holds.
 */
describe('no starvation of keyed waiters (SPEC S3, S4)', () => {
  test('a waiter for key k is served within target-bound grants, and only older waiters go first', async () => {
    await checkProperty(
      'a waiter for key k is served within target-bound grants, and only older waiters go first',
      fc.asyncProperty(systemArb, async ({ targets, workers }) => {
        const clock = new VirtualClock();
        const pool = createPool<number>();
        for (const [key, t] of targets.entries()) pool.set(key, t);
        const waiting = new Set<Waiting>();
        // Grants of each key the test has seen, to count how many went to others while one waited.
        const grantsOf = targets.map(() => 0);

        const running = workers.map(async ({ key, start }) => {
          await clock.sleep(start);
          while (clock.now < END_MS) {
            const me: Waiting = { key };
            const older =
              key === undefined ? 0 : [...waiting].filter((w) => w.key === undefined || w.key === key).length;
            const since = key === undefined ? 0 : (grantsOf[key] ?? 0);
            const asked = clock.now;
            waiting.add(me);
            const lease = await pool.acquire(key === undefined ? {} : { key }).catch(() => undefined);
            waiting.delete(me);
            if (!lease) return;
            if (key !== undefined) {
              const target = targets[key] ?? 0;
              const bound = Math.ceil((older + 1) / target) * HOLD_MS;
              const others = (grantsOf[key] ?? 0) - since;
              if (clock.now - asked > bound) {
                throw new InvariantError(
                  'S3 no starvation',
                  `a waiter for ${key} (target ${target}, ${older} older acceptors) waited ${clock.now - asked} ms, bound ${bound} ms`,
                );
              }
              if (others > older) {
                throw new InvariantError(
                  'S3 FIFO',
                  `${others} leases of ${key} went to others while a waiter with ${older} older acceptors waited`,
                );
              }
            }
            grantsOf[lease.key] = (grantsOf[lease.key] ?? 0) + 1;
            await clock.sleep(HOLD_MS);
            lease.release();
          }
        });
        await clock.run(END_MS);
        pool.stop();
        await clock.run();
        await Promise.all(running);
      }),
      50,
    );
  });
});
