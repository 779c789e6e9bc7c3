import type { ChaosEvent } from './events.js';

/**
 * After a promotion, what a member needs beyond one heartbeat interval to
 * learn what the new primary lost: its client finds the new primary
 * through the sentinels (retries every ≤ 500 ms), and a 2-core machine
 * running a dozen processes delays timers by a few hundred ms.
 */
export const FAILOVER_SLACK_MS = 1_000;

/**
 * How far behind the primary the replica can be without a hold: on
 * loopback it is sub-millisecond, so this is scheduling slack. A write
 * acknowledged this long before the kill (or since a hold began) may be
 * missing on the new primary.
 */
export const REPLICATION_LAG_MS = 500;

/** One failover of a `--sentinel` run, as the checks judge it (times in `now()` ms). */
export interface FailoverWindow {
  /** When the primary was killed. */
  readonly kill: number;
  /** When the replica was promoted. */
  readonly promoted: number;
  /**
   * The end of the window in which D11 allows two holders of one unit:
   * promotion + one heartbeat interval (`leaseTtl / 3`) + {@link FAILOVER_SLACK_MS}.
   */
  readonly until: number;
  /** From when a write the old primary acknowledged may be missing on the new one. */
  readonly lostFrom: number;
}

/** The failovers of `chaos`, in the order they happened; none without `--sentinel`. */
export function failoverWindows(chaos: readonly ChaosEvent[], leaseTtl: number): FailoverWindow[] {
  const windows: FailoverWindow[] = [];
  for (const c of chaos) {
    if (c.ev !== 'failover') continue;
    windows.push({
      kill: c.kill,
      promoted: c.promoted,
      until: c.promoted + leaseTtl / 3 + FAILOVER_SLACK_MS,
      lostFrom: Math.min(c.holdFrom ?? c.kill, c.kill) - REPLICATION_LAG_MS,
    });
  }
  return windows.sort((a, b) => a.kill - b.kill);
}

/** The window `t` lies in (from the kill, up to but not including its end), if any. */
export function windowAt(windows: readonly FailoverWindow[], t: number): FailoverWindow | undefined {
  return windows.find((w) => t >= w.kill && t < w.until);
}

/** Whether a write acknowledged at `t` may be missing after a failover (acknowledged by the old primary, not replicated). */
export function mayBeLost(windows: readonly FailoverWindow[], t: number): boolean {
  return windows.some((w) => t >= w.lostFrom && t <= w.promoted);
}
