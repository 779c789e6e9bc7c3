import type { ChaosEvent, MemberEvent } from './events.js';

/** A lease as the Redis snapshots saw it: its key, the member holding it, and when it was first and last seen. */
export interface SeenLease {
  readonly key: string;
  readonly member: string;
  readonly firstT: number;
  lastT: number;
}

/** Why a lease Redis held was never logged as granted by any worker. */
export type UnloggedCause =
  /** Its member's process was killed (or paused, then killed) before a worker could log it. */
  | 'holder killed'
  /** Its member's process was paused (SIGSTOP) while Redis held it, so long that the pool reaped the member and the lease with it. */
  | 'holder paused'
  /** Its member had an acquire end without a lease around then: granted as the acquire was aborted or the pool stopped, and given back. */
  | 'acquire ended first'
  /** Nothing in the logs explains it. */
  | 'unexplained';

/** How far before a lease was first seen an acquire may have ended and still be the one it was granted to. */
const ACQUIRE_WINDOW_MS = 1_000;

/**
 * Sorts the leases seen in Redis that no member logged as granted by cause.
 * `logs` are the members' logs (each starts with its `join`); a member whose
 * log does not end with `left` was killed. Returns the count per cause and
 * the ids left unexplained. `chaos` is what the run did to the members.
 */
export function classifyUnlogged(
  seen: ReadonlyMap<number, SeenLease>,
  logs: readonly { readonly events: readonly MemberEvent[] }[],
  chaos: readonly ChaosEvent[],
): { readonly counts: Record<UnloggedCause, number>; readonly unexplained: number[] } {
  const granted = new Set<number>();
  const byMember = new Map<string, { killed: boolean; endedAcquires: number[]; pauses: [number, number][] }>();
  for (const { events } of logs) {
    const join = events.find((e) => e.ev === 'join');
    const endedAcquires: number[] = [];
    for (const e of events) {
      if (e.ev === 'grant') granted.add(e.id);
      else if (e.ev === 'op' && e.op === 'acquire') endedAcquires.push(e.t);
    }
    if (join?.ev !== 'join') continue;
    const pauses: [number, number][] = [];
    for (const c of chaos) if (c.ev === 'pause' && c.pid === join.pid) pauses.push([c.t0, c.t]);
    byMember.set(join.member, { killed: events.at(-1)?.ev !== 'left', endedAcquires, pauses });
  }
  const counts: Record<UnloggedCause, number> = {
    'holder killed': 0,
    'holder paused': 0,
    'acquire ended first': 0,
    unexplained: 0,
  };
  const unexplained: number[] = [];
  for (const [id, lease] of seen) {
    if (granted.has(id)) continue;
    const holder = byMember.get(lease.member);
    let cause: UnloggedCause = 'unexplained';
    if (
      holder?.endedAcquires.some((t) => t >= lease.firstT - ACQUIRE_WINDOW_MS && t <= lease.lastT + ACQUIRE_WINDOW_MS)
    )
      cause = 'acquire ended first';
    else if (holder?.pauses.some(([t0, t]) => t0 <= lease.lastT && t >= lease.firstT)) cause = 'holder paused';
    else if (holder?.killed) cause = 'holder killed';
    counts[cause]++;
    if (cause === 'unexplained') unexplained.push(id);
  }
  return { counts, unexplained };
}
