import type { Pool } from '../src/index.js';

/** One key's row: its counts now and the leases it was granted so far. */
export interface KeyStats {
  readonly key: string;
  readonly target: number;
  readonly active: number;
  readonly granted: number;
  /** Its leases revoked so far by a lowered target. */
  readonly revoked: number;
  /** Its part of all leases granted, from 0 to 1 (0 before any grant). */
  readonly share: number;
  /** Its part of the sum of the targets, from 0 to 1: the share it should get. */
  readonly targetShare: number;
}

/** The pool at one moment, as the views show it. */
export interface PoolStats {
  readonly keys: readonly KeyStats[];
  /** Requests waiting for a lease. */
  readonly waiting: number;
  /** Milliseconds since the run started. */
  readonly elapsedMs: number;
  /** Whether the pool has stopped. */
  readonly stopped: boolean;
  /** Leases out (after stop: the ones it waits for). */
  readonly leasesOut: number;
}

/**
 * Reads the pool's counts for each key of `targets`, with the leases
 * `granted` and `revoked` so far. The target shares come from `targets`
 * (what was asked for at the start), so they stay put when `--at` changes
 * a target.
 */
export function readStats(
  pool: Pool<string>,
  targets: ReadonlyArray<readonly [string, number]>,
  granted: ReadonlyMap<string, number>,
  elapsedMs: number,
  revoked: ReadonlyMap<string, number> = new Map(),
): PoolStats {
  let total = 0;
  for (const count of granted.values()) total += count;
  let targetSum = 0;
  for (const [, target] of targets) targetSum += target;
  const keys = targets.map(([key, asked]) => {
    const { target, active } = pool.get(key);
    const count = granted.get(key) ?? 0;
    return {
      key,
      target,
      active,
      granted: count,
      revoked: revoked.get(key) ?? 0,
      share: total === 0 ? 0 : count / total,
      targetShare: targetSum === 0 ? 0 : asked / targetSum,
    };
  });
  const leasesOut = keys.reduce((sum, k) => sum + k.active, 0);
  return { keys, waiting: pool.waiting(), elapsedMs, stopped: pool.stopped, leasesOut };
}
