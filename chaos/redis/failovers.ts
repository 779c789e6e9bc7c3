import { setTimeout as sleep } from 'node:timers/promises';
import { type ChaosEvent, now } from './events.js';
import type { FailoverSet } from './failover-set.js';
import type { Random } from './random.js';

/** What {@link runFailovers} did, for the run's figures. */
export interface FailoverFigures {
  failovers: number;
  /** Failovers after holding the replica back. */
  lagged: number;
  /** Replication bytes the new primaries never received, summed. */
  heldBytes: number;
  /** Kill → promotion, ms, per failover. */
  readonly promotions: number[];
}

/** Options of {@link runFailovers}. */
export interface FailoverPlan {
  readonly set: FailoverSet;
  readonly random: Random;
  /** No failover starts later than this (`now()` ms); one under way is finished. */
  readonly lastStart: number;
  /** Run just before each kill (the Redis snapshot checker must know). */
  readonly beforeKill: (t: number) => void;
  /** Where each failover is logged, as a `failover` event. */
  readonly chaos: ChaosEvent[];
  /** Runs while a failover is under way, to keep other chaos (CLIENT PAUSE) off the primary meanwhile. */
  readonly busy: { failingOver: boolean };
}

/**
 * Fails the set over every 30–60 s (the first after 10–25 s), chosen by
 * `random`; half the time after holding the replica back 200–800 ms while
 * the members keep writing, so that the new primary lacks what they did
 * meanwhile. Resolves with the figures once `lastStart` has passed and no
 * failover is under way; rejects if one fails (no promotion in time).
 */
export async function runFailovers(plan: FailoverPlan): Promise<FailoverFigures> {
  const figures: FailoverFigures = { failovers: 0, lagged: 0, heldBytes: 0, promotions: [] };
  let next = now() + plan.random.int(10_000, 25_000);
  while (next <= plan.lastStart) {
    // The time between failovers is the chaos chosen, not a wait for something.
    await sleep(Math.max(0, next - now()));
    const lagMs = plan.random.next() < 0.5 ? plan.random.int(200, 800) : 0;
    plan.busy.failingOver = true;
    try {
      const times = await plan.set.failover(lagMs, () => plan.beforeKill(now()));
      plan.chaos.push({
        ev: 'failover',
        ...(times.holdFrom === undefined ? {} : { holdFrom: times.holdFrom }),
        heldBytes: times.heldBytes,
        kill: times.kill,
        promoted: times.promoted,
        t: times.back,
      });
      figures.failovers++;
      if (lagMs > 0) figures.lagged++;
      figures.heldBytes += times.heldBytes;
      figures.promotions.push(times.promoted - times.kill);
      console.log(
        `failover ${figures.failovers}: port ${times.from} killed${lagMs > 0 ? ` after holding the replica ${lagMs} ms (${times.heldBytes} bytes held)` : ''}, ` +
          `${times.to} promoted in ${(times.promoted - times.kill).toFixed(0)} ms, ${times.from} back as its replica ${(times.back - times.promoted).toFixed(0)} ms later`,
      );
    } finally {
      plan.busy.failingOver = false;
    }
    next = now() + plan.random.int(30_000, 60_000);
  }
  return figures;
}
