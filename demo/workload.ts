import { setTimeout as sleep } from 'node:timers/promises';
import { LeaseRevokedError, type Pool } from '../src/index.js';

/** Workers running against a pool, and what they were granted. */
export interface Workload {
  /** Leases granted so far, by key. */
  readonly granted: ReadonlyMap<string, number>;
  /** Leases revoked so far (a lowered target cut them short), by key. */
  readonly revoked: ReadonlyMap<string, number>;
  /** Resolves once every worker has ended: after the pool stops and each has released its last lease. */
  readonly finished: Promise<void>;
}

/**
 * Starts `workers` workers that each take leases of any key from `pool`
 * one after another, hold each for `holdMs` and release it: the closed
 * system of the Go doc's example. They run until the pool stops. A worker
 * honours its lease's signal: when the lease is revoked or the pool stops,
 * it stops holding and releases at once.
 */
export function startWorkload(pool: Pool<string>, workers: number, holdMs: number): Workload {
  const granted = new Map<string, number>();
  const revoked = new Map<string, number>();
  const work = async () => {
    for await (const lease of pool.leases()) {
      try {
        granted.set(lease.key, (granted.get(lease.key) ?? 0) + 1);
        await sleep(holdMs, undefined, { signal: lease.signal }).catch(() => {
          if (lease.signal.reason instanceof LeaseRevokedError) {
            revoked.set(lease.key, (revoked.get(lease.key) ?? 0) + 1);
          }
        });
      } finally {
        lease.release();
      }
    }
  };
  const finished = Promise.all(Array.from({ length: workers }, work)).then(() => undefined);
  return { granted, revoked, finished };
}
