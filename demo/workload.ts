import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from '../src/index.js';

/** Workers running against a pool, and what they were granted. */
export interface Workload {
  /** Leases granted so far, by key. */
  readonly granted: ReadonlyMap<string, number>;
  /** Resolves once every worker has ended: after the pool stops and each has released its last lease. */
  readonly finished: Promise<void>;
}

/**
 * Starts `workers` workers that each take leases of any key from `pool`
 * one after another, hold each for `holdMs` and release it: the closed
 * system of the Go doc's example. They run until the pool stops.
 */
export function startWorkload(pool: Pool<string>, workers: number, holdMs: number): Workload {
  const granted = new Map<string, number>();
  const work = async () => {
    for await (const lease of pool.leases()) {
      try {
        granted.set(lease.key, (granted.get(lease.key) ?? 0) + 1);
        await sleep(holdMs);
      } finally {
        lease.release();
      }
    }
  };
  const finished = Promise.all(Array.from({ length: workers }, work)).then(() => undefined);
  return { granted, finished };
}
