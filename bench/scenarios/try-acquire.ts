import { Sema } from 'async-sema';
import { measureRounds, medians } from '../harness/rounds.js';
import type { BenchSettings, ScenarioOutput } from '../harness/settings.js';
import { throughputSection } from '../harness/throughput-table.js';
import { trivialSender } from '../subjects/engine-floor.js';

const LIMIT = 4;
const CYCLES = 20_000;

/**
 * Scenario 3: synchronous `tryAcquire()` → `release()` with no waiters,
 * against async-sema's `tryAcquire()`/`release()` and the engine floor.
 * A failed try would be a broken benchmark, so it throws.
 */
export async function tryAcquireCycle(settings: BenchSettings): Promise<ScenarioOutput> {
  const pool = settings.pool.createPool<string>();
  pool.set('key', LIMIT);
  const sema = new Sema(LIMIT);
  const floor = trivialSender();
  const rates = medians(
    await measureRounds(
      [
        {
          name: 'xstate-workpool',
          opsPerRun: CYCLES,
          run: () => {
            for (let i = 0; i < CYCLES; i++) {
              const lease = pool.tryAcquire();
              if (!lease) throw new Error('tryAcquire() found no capacity in an idle pool');
              lease.release();
            }
          },
        },
        {
          name: 'async-sema',
          opsPerRun: CYCLES,
          run: () => {
            for (let i = 0; i < CYCLES; i++) {
              if (sema.tryAcquire() === undefined) throw new Error('Sema.tryAcquire() found no token');
              sema.release();
            }
          },
        },
        { name: 'floor', opsPerRun: CYCLES, run: () => floor.send(CYCLES) },
      ],
      settings,
    ),
  );
  pool.stop();
  floor.actor.stop();
  const rate = (name: string) => rates.get(name) ?? Number.NaN;
  return {
    sections: [
      throughputSection(
        '3. `tryAcquire()` → `release()`',
        `Synchronous cycles on one key with limit ${LIMIT} and no waiters. Median of ${settings.rounds} interleaved rounds.`,
        [
          { name: 'xstate-workpool', opsPerSecond: rate('xstate-workpool'), kind: 'pool' },
          { name: 'async-sema `tryAcquire()`', opsPerSecond: rate('async-sema'), kind: 'peer' },
          { name: 'XState trivial `assign` send (engine floor)', opsPerSecond: rate('floor'), kind: 'floor' },
        ],
      ),
    ],
    figures: { tryAcquire: rate('xstate-workpool'), trivialSendTry: rate('floor') },
  };
}
