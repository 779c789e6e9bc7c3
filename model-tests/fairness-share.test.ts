import fc from 'fast-check';
import { describe, test } from 'vitest';
import { createPool } from '../src/index.js';
import { InvariantError } from './invariants.js';
import { checkProperty } from './runs.js';
import { VirtualClock } from './virtual-clock.js';

const HOLD_MS = 10;
const ROUNDS = 100;

const systemArb = fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 2, maxLength: 6 }).chain((targets) => {
  const sum = targets.reduce((a, b) => a + b, 0);
  return fc.record({
    targets: fc.constant(targets),
    workers: fc.integer({ min: sum, max: sum + 12 }),
    starts: fc.array(fc.integer({ min: 0, max: HOLD_MS - 1 }), { minLength: sum + 12, maxLength: sum + 12 }),
  });
});

describe('proportional share in a closed system (SPEC S4)', () => {
  test("each key's share of leases is within ±5% of target / sum of targets", async () => {
    await checkProperty(
      "each key's share of leases is within ±5% of target / sum of targets",
      fc.asyncProperty(systemArb, async ({ targets, workers, starts }) => {
        const clock = new VirtualClock();
        const pool = createPool<number>();
        for (const [key, t] of targets.entries()) pool.set(key, t);
        const granted = targets.map(() => 0);
        const end = ROUNDS * HOLD_MS;
        const running = Array.from({ length: workers }, async (_, w) => {
          await clock.sleep(starts[w] ?? 0);
          while (clock.now < end) {
            const lease = await pool.acquire().catch(() => undefined);
            if (!lease) return;
            granted[lease.key] = (granted[lease.key] ?? 0) + 1;
            await clock.sleep(HOLD_MS);
            lease.release();
          }
        });
        await clock.run(end);
        pool.stop();
        await clock.run();
        await Promise.all(running);

        const sum = targets.reduce((a, b) => a + b, 0);
        const total = granted.reduce((a, b) => a + b, 0);
        targets.forEach((target, key) => {
          const share = (granted[key] ?? 0) / total;
          const expected = target / sum;
          if (Math.abs(share / expected - 1) > 0.05) {
            throw new InvariantError(
              'S4 proportional share',
              `key ${key} (target ${target} of ${sum}) got ${granted[key]} of ${total} leases: share ${share.toFixed(4)}, expected ${expected.toFixed(4)}`,
            );
          }
        });
      }),
      25,
    );
  });
});
