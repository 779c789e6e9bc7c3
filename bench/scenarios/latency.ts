import { Sema } from 'async-sema';
import pLimit from 'p-limit';
import { formatMicros } from '../harness/format.js';
import type { BenchSettings, ScenarioOutput } from '../harness/settings.js';
import { quantile } from '../harness/stats.js';
import { runWorkers, type WorkerLoop } from '../harness/workers.js';

const WORKERS = 64;
const LIMIT = 4;
const CYCLES = 60_000;
/** Grants at the start that follow no release, and a warm-up after them. */
const SKIP = 5_000;

/**
 * Pairs each release with the grant it causes. Under load every release
 * hands off to the oldest waiter, and continuations run in grant order, so
 * the n-th handoff grant follows the n-th release.
 */
class HandoffClock {
  readonly #released: Float64Array;
  #releases = 0;
  #grants = 0;
  readonly samples: number[] = [];

  constructor(cycles: number) {
    this.#released = new Float64Array(cycles + LIMIT);
  }

  /** Call first thing in the waiter's continuation. */
  granted(): void {
    const now = performance.now();
    const index = this.#grants++ - LIMIT;
    if (index >= SKIP && index < this.#releases) this.samples.push(now - (this.#released[index] as number));
  }

  /** Call right before the release. */
  releasing(): void {
    this.#released[this.#releases++] = performance.now();
  }
}

async function measure(
  cycles: number,
  makeLoop: (clock: HandoffClock) => WorkerLoop,
): Promise<{ p50: number; p99: number }> {
  const clock = new HandoffClock(cycles);
  await runWorkers(makeLoop(clock), WORKERS, cycles);
  return { p50: quantile(clock.samples, 0.5), p99: quantile(clock.samples, 0.99) };
}

/**
 * Scenario 6: grant latency under the load of scenario 1: the time from a
 * `release()` to the continuation of the waiter it hands off to.
 */
export async function grantLatency(settings: BenchSettings): Promise<ScenarioOutput> {
  const cycles = Math.max(SKIP * 4, Math.round(CYCLES * settings.scale));
  const pool = settings.pool.createPool<string>();
  pool.set('key', LIMIT);
  const poolLatency = await measure(cycles, (clock) => async (budget) => {
    while (budget.take()) {
      const lease = await pool.acquire();
      clock.granted();
      await null;
      clock.releasing();
      lease.release();
    }
  });
  pool.stop();

  const sema = new Sema(LIMIT);
  const semaLatency = await measure(cycles, (clock) => async (budget) => {
    while (budget.take()) {
      await sema.acquire();
      clock.granted();
      await null;
      clock.releasing();
      sema.release();
    }
  });

  const limit = pLimit(LIMIT);
  const limitLatency = await measure(cycles, (clock) => {
    const task = async () => {
      clock.granted();
      await null;
      clock.releasing();
    };
    return async (budget) => {
      while (budget.take()) await limit(task);
    };
  });

  const row = (name: string, l: { p50: number; p99: number }) => [name, formatMicros(l.p50), formatMicros(l.p99)];
  return {
    sections: [
      {
        title: '6. Grant latency under load',
        note:
          `Time from \`release()\` to the continuation of the waiter it hands off to, ${WORKERS} workers, limit ${LIMIT}, ` +
          `${cycles.toLocaleString('en-US')} cycles (the first ${SKIP.toLocaleString('en-US')} skipped). ` +
          'p-limit: from the end of one task to the start of the next.',
        columns: ['subject', 'p50', 'p99'],
        rows: [
          row('**xstate-workpool**', poolLatency),
          row('async-sema Sema(4)', semaLatency),
          row('p-limit(4)', limitLatency),
        ],
      },
    ],
    figures: { latencyP50: poolLatency.p50, latencyP99: poolLatency.p99 },
  };
}
