import type { ChaosEvent, MemberEvent } from './events.js';
import { failoverWindows } from './failover-windows.js';

/** A lease as the Redis snapshots saw it: its key, the member holding it, and when it was first and last seen. */
export interface SeenLease {
  readonly key: string;
  /** As Redis lists it: the member's id (`pool.member`), or `<id>/<n>` after its n-th rejoin. */
  readonly member: string;
  /** The member's request it was granted to. */
  readonly request: number;
  readonly firstT: number;
  lastT: number;
}

/** Why a lease Redis held was never logged as granted by any worker. */
export type UnloggedCause =
  /** Its member's process was killed before a worker could log it: granted at most a second before the kill, or after it (to the dead member's waiters, until the pool reaped it). */
  | 'holder killed'
  /** Its member's process was paused (SIGSTOP) while Redis held it, so long that the pool reaped the member and the lease with it. */
  | 'holder paused'
  /** Its member had an acquire end without a lease around then: granted as the acquire was aborted or the pool stopped, and given back. */
  | 'acquire ended first'
  /** `--sentinel`: granted by a primary just before it was killed and never seen on the new one; its reply or notice died with the old primary (D11). */
  | 'lost in failover'
  /** Nothing in the logs explains it. */
  | 'unexplained';

/**
 * A grant racing an abort lands at most one round trip after the abort (the
 * cancel was on its way), and a snapshot sees it within one snapshot
 * interval (250 ms) of landing; the member gives it back at once, so Redis
 * holds it no longer than about one more interval.
 */
const ABORT_BEFORE_SEEN_MS = 300;
const GIVEN_BACK_WITHIN_MS = 500;
/** A live worker logs its lease within a round trip of the grant: one seen longer before its member's kill should have been logged. */
const KILLED_WITHIN_MS = 1_000;
/** The abort may also come after the grant landed, before its notice reached the member. */
const NOTICE_MS = 100;

/** The member id an incarnation `<id>/<n>` (or `<id>`) belongs to: what its process logged as `pool.member`. */
export function memberProcess(incarnation: string): string {
  const slash = incarnation.indexOf('/');
  return slash < 0 ? incarnation : incarnation.slice(0, slash);
}

/**
 * Sorts the leases seen in Redis that no member logged as granted by cause.
 * `logs` are the members' logs (each starts with its `join`). Returns the count per cause and
 * the ids left unexplained. `chaos` is what the run did to the members and
 * to Redis; `leaseTtl` is used only for its failovers (`--sentinel`).
 */
export function classifyUnlogged(
  seen: ReadonlyMap<number, SeenLease>,
  logs: readonly { readonly events: readonly MemberEvent[] }[],
  chaos: readonly ChaosEvent[],
  leaseTtl = 0,
): { readonly counts: Record<UnloggedCause, number>; readonly unexplained: number[] } {
  const granted = new Set<number>();
  const byMember = new Map<
    string,
    { killedAt: number | undefined; endedAcquires: number[]; pauses: [number, number][]; stalls: [number, number][] }
  >();
  for (const { events } of logs) {
    const join = events.find((e) => e.ev === 'join');
    const endedAcquires: number[] = [];
    const stalls: [number, number][] = [];
    for (const e of events) {
      if (e.ev === 'grant') granted.add(e.id);
      else if (e.ev === 'op' && e.op === 'acquire') endedAcquires.push(e.t);
      else if (e.ev === 'stall') stalls.push([e.t0, e.t]);
    }
    if (join?.ev !== 'join') continue;
    const pauses: [number, number][] = [];
    let killedAt: number | undefined;
    for (const c of chaos) {
      if (c.ev === 'pause' && c.pid === join.pid) pauses.push([c.t0, c.t]);
      if (c.ev === 'kill' && c.pid === join.pid) killedAt = c.t;
    }
    byMember.set(join.member, { killedAt, endedAcquires, pauses, stalls });
  }
  const counts: Record<UnloggedCause, number> = {
    'holder killed': 0,
    'holder paused': 0,
    'acquire ended first': 0,
    'lost in failover': 0,
    unexplained: 0,
  };
  const failovers = failoverWindows(chaos, leaseTtl);
  const redisPauses: [number, number][] = [];
  for (const c of chaos) if (c.ev === 'redis-pause') redisPauses.push([c.t0, c.t]);
  // A failover is a pause too, until members have reached the new primary (its window's end): a cancel sent
  // meanwhile lands only then, so a lease granted to an aborted waiter on the new primary is given back late.
  for (const w of failovers) redisPauses.push([w.kill, w.until]);
  const overlap = (spans: readonly [number, number][], from: number, to: number) =>
    spans.reduce((sum, [t0, t]) => sum + Math.max(0, Math.min(t, to) - Math.max(t0, from)), 0);
  // Redis paused (CLIENT PAUSE) delays the grant and the give-back by as long as it lasts.
  const pausedWithin = (from: number, to: number) => overlap(redisPauses, from, to);
  const unexplained: number[] = [];
  for (const [id, lease] of seen) {
    if (granted.has(id)) continue;
    // Redis names a rejoined member `<id>/<n>`; its log, by the id alone.
    const holder = byMember.get(memberProcess(lease.member));
    let cause: UnloggedCause = 'unexplained';
    // A stall of the holder's process delays its cancel, its give-back and the log of its abort alike.
    const stalled = (from: number, to: number) => overlap(holder?.stalls ?? [], from, to);
    const earlier = lease.firstT - ABORT_BEFORE_SEEN_MS - 2_000;
    const before = ABORT_BEFORE_SEEN_MS + pausedWithin(earlier, lease.firstT) + stalled(earlier, lease.firstT);
    const after = NOTICE_MS + stalled(lease.firstT - ABORT_BEFORE_SEEN_MS, lease.lastT + 2_000);
    const givenBack =
      lease.lastT - lease.firstT <=
        GIVEN_BACK_WITHIN_MS + pausedWithin(lease.firstT, lease.lastT) + stalled(lease.firstT, lease.lastT) &&
      holder?.endedAcquires.some((t) => t >= lease.firstT - before && t <= lease.lastT + after);
    if (givenBack) cause = 'acquire ended first';
    else if (
      failovers.some(
        (w) => lease.firstT >= w.lostFrom - KILLED_WITHIN_MS && lease.firstT <= w.kill && lease.lastT <= w.promoted,
      )
    )
      cause = 'lost in failover';
    else if (holder?.pauses.some(([t0, t]) => t0 <= lease.lastT && t >= lease.firstT)) cause = 'holder paused';
    else if (holder?.killedAt !== undefined && holder.killedAt <= lease.firstT + KILLED_WITHIN_MS)
      cause = 'holder killed';
    counts[cause]++;
    if (cause === 'unexplained') unexplained.push(id);
  }
  return { counts, unexplained };
}
