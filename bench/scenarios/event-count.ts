import type { BenchSettings } from '../harness/settings.js';
import { runWorkers } from '../harness/workers.js';

const CYCLES = 10_000;

/** Actor events per cycle, by actor: the pool's own, and its group actors'. */
export interface EventsPerCycle {
  readonly pool: number;
  readonly groups: number;
}

/**
 * Counts the actor events (`@xstate.event` inspection events) that one
 * steady-state cycle sends, for the handoff cycle and for
 * `tryAcquire()` → `release()`. Counting needs an inspector, which slows
 * the pool, so this runs apart from the timed scenarios.
 */
export async function countEvents(
  settings: BenchSettings,
): Promise<{ handoff: EventsPerCycle; tryAcquire: EventsPerCycle }> {
  let counting = false;
  let poolEvents = 0;
  let groupEvents = 0;
  const pool = settings.pool.createPool<string>({
    inspect: (event) => {
      if (!counting || event.type !== '@xstate.event') return;
      if (event.actorRef === pool.actor) poolEvents++;
      else groupEvents++;
    },
  });
  pool.set('key', 4);

  const count = async (run: () => Promise<void> | void): Promise<EventsPerCycle> => {
    poolEvents = groupEvents = 0;
    counting = true;
    await run();
    counting = false;
    return { pool: poolEvents / CYCLES, groups: groupEvents / CYCLES };
  };
  // Warm up into the steady state first: every worker has cycled once.
  const loop = async (budget: { take(): boolean }) => {
    while (budget.take()) {
      const lease = await pool.acquire();
      await null;
      lease.release();
    }
  };
  await runWorkers(loop, 64, 1_000);
  const handoff = await count(() => runWorkers(loop, 64, CYCLES));
  const tryAcquire = await count(() => {
    for (let i = 0; i < CYCLES; i++) pool.tryAcquire()?.release();
  });
  pool.stop();
  return { handoff, tryAcquire };
}
