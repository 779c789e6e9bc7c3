import type { ChaosEvent, MemberEvent } from './events.js';
import { type FailoverWindow, failoverWindows, mayBeLost, windowAt } from './failover-windows.js';

/** One member process's log (one incarnation of a slot). */
export interface MemberLog {
  readonly events: readonly MemberEvent[];
}

/** A rule the checker found broken, with what shows it. */
export interface Violation {
  readonly rule:
    | 'id granted twice'
    | 'ids out of grant order'
    | 'over target'
    | 'redis state'
    | 'unlogged lease'
    /** `--sentinel`: the sentinels failed over without the run killing the primary, so its windows are unknown. */
    | 'unplanned failover';
  readonly detail: string;
}

/** What the logs show, and what they break. */
export interface CheckResult {
  readonly grants: number;
  readonly released: number;
  readonly lost: number;
  readonly revoked: number;
  readonly sets: number;
  readonly operations: number;
  /** Moments a key had more live leases than its target inside a failover window (allowed, D11). */
  readonly failoverOverlaps: number;
  readonly violations: readonly Violation[];
}

interface Grant {
  readonly id: number;
  readonly key: string;
  readonly t0: number;
  readonly t: number;
  /** Until when the lease was surely still live in Redis (see `definiteEnd`). */
  end: number;
}

interface SetCall {
  readonly target: number;
  readonly t0: number;
  readonly t: number;
  /**
   * Whether it surely landed (and stayed), so that it rules out the sets
   * before it: not if it rejected (it may not have landed), nor if a
   * failover may have lost it.
   */
  readonly sure: boolean;
}

/** The index of the first of `sorted` for which `before` is false (`before` holds for a prefix of it). */
function firstNotBefore<T>(sorted: readonly T[], before: (item: T) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(sorted[mid] as T)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The moments a key's live leases are counted at, in time order: each
 * grant (`grant` set), and the end of each failover window, where any
 * excess the window allowed must be over (no grant may come then to show it).
 */
function judgedAt(list: readonly Grant[], windows: readonly FailoverWindow[]): { t: number; grant?: Grant }[] {
  const points: { t: number; grant?: Grant }[] = list.map((grant) => ({ t: grant.t, grant }));
  for (const w of windows) points.push({ t: w.until });
  return points.sort((a, b) => a.t - b.t);
}

/** Sets of one key, sorted, with what `possibleTargets` needs. */
class KeyTargets {
  readonly #byStart: SetCall[];
  readonly #byEnd: SetCall[];
  /** maxStartByEnd[i]: the latest start among byEnd[0..i]. */
  readonly #maxStartByEnd: number[];
  readonly #longest: number;
  /** Sets that never settled: each may have landed at any time after its call. */
  readonly #unsettled: SetCall[];

  constructor(all: SetCall[]) {
    const sets = all.filter((s) => Number.isFinite(s.t));
    this.#unsettled = all.filter((s) => !Number.isFinite(s.t));
    this.#byStart = [...sets].sort((a, b) => a.t0 - b.t0);
    // Only a set that surely landed rules out those before it.
    this.#byEnd = sets.filter((s) => s.sure).sort((a, b) => a.t - b.t);
    let max = Number.NEGATIVE_INFINITY;
    this.#maxStartByEnd = this.#byEnd.map((s) => {
      max = Math.max(max, s.t0);
      return max;
    });
    this.#longest = sets.reduce((max, s) => Math.max(max, s.t - s.t0), 0);
  }

  /**
   * The highest target that can have been in effect at some moment of
   * [from, to]: a set landed somewhere between its call and its settling,
   * so one is ruled out only when another surely landed after it and
   * before `from` (called after it settled, settled before `from`).
   */
  highest(from: number, to: number): number {
    // The latest start of a set that settled before `from`.
    const lo = firstNotBefore(this.#byEnd, (s) => s.t < from);
    const floor = lo > 0 ? (this.#maxStartByEnd[lo - 1] as number) : Number.NEGATIVE_INFINITY;
    let best = 0;
    const from0 = floor - this.#longest;
    let i = firstNotBefore(this.#byStart, (s) => s.t0 < from0);
    for (const s of this.#unsettled) if (s.t0 <= to) best = Math.max(best, s.target);
    for (; i < this.#byStart.length; i++) {
      const s = this.#byStart[i] as SetCall;
      if (s.t0 > to) break;
      if (s.t >= floor) best = Math.max(best, s.target);
    }
    return best;
  }
}

/**
 * The grants of `byResolve` (sorted by resolve time; `all` the same grants
 * in any order) whose id is not above that of one that resolved before it
 * was asked.
 */
function outOfOrder(byResolve: readonly Grant[], all: readonly Grant[]): Violation[] {
  const violations: Violation[] = [];
  const byAsk = [...all].sort((a, b) => a.t0 - b.t0);
  let resolvedBefore = 0;
  let highest: Grant | undefined;
  for (const grant of byAsk) {
    while (resolvedBefore < byResolve.length && (byResolve[resolvedBefore] as Grant).t < grant.t0) {
      const g = byResolve[resolvedBefore++] as Grant;
      if (!highest || g.id > highest.id) highest = g;
    }
    if (highest && highest.id >= grant.id) {
      violations.push({
        rule: 'ids out of grant order',
        detail: `lease ${highest.id} resolved at ${highest.t.toFixed(1)} ms, before lease ${grant.id} was asked at ${grant.t0.toFixed(1)} ms`,
      });
    }
  }
  return violations;
}

/**
 * Checks a chaos run from its logs: no lease id granted twice; ids rise in
 * grant order (a grant that resolved before another was asked has the
 * lower id) within each of the pool's `shards` shards (D9: ids increase per
 * shard, a shard's being ≡ its index modulo `shards`), so per key, across
 * failovers too (D11: fencing ids never repeat and never go back); and at no moment does a key have
 * more live leases than a target that can have been in effect when the
 * newest of them was granted (so leases over a lowered target, draining,
 * are allowed).
 *
 * With failovers (`--sentinel`, `failover` events in `chaos`), D11 allows
 * two holders of one unit after a failover to a replica that lacked a
 * grant, for at most one heartbeat interval: from the kill until
 * promotion + `leaseTtl / 3` + slack (see `failover-windows.ts`) a key
 * may have up to twice its target live, never more, and at the window's
 * end the excess must be over. A lease granted before a promotion and
 * lost after the kill counts as live until its holder learnt of the loss
 * (not `leaseTtl` less, as below): the new primary may never have had it.
 * A set acknowledged just before a failover may have been lost, so it
 * does not rule out the targets before it.
 *
 * A lease counts as live only while it surely was: from its grant
 * resolving until the earliest of its `release()` call, its member being
 * killed or paused (it may have been reaped since), and its loss
 * (`LeaseLostError`) less `leaseTtl` (Redis reaps a member at least
 * `leaseTtl` after its last heartbeat, and it learns of it within one).
 * So what it reports as over target surely was.
 */
export function checkRun(
  logs: readonly MemberLog[],
  chaos: readonly ChaosEvent[],
  leaseTtl: number,
  shards = 1,
): CheckResult {
  const violations: Violation[] = [];
  const windows = failoverWindows(chaos, leaseTtl);
  const grants = new Map<number, Grant>();
  const setsByKey = new Map<string, SetCall[]>();
  let released = 0;
  let lost = 0;
  let revoked = 0;
  let operations = 0;
  for (const { events } of logs) {
    const join = events.find((e) => e.ev === 'join');
    const pid = join?.ev === 'join' ? join.pid : -1;
    // When this process stopped running on its own: killed (for good), paused (its leases may be reaped since).
    const stops: { from: number; to: number }[] = [];
    for (const c of chaos) {
      if (c.ev === 'kill' && c.pid === pid) stops.push({ from: c.t, to: Number.POSITIVE_INFINITY });
      if (c.ev === 'pause' && c.pid === pid) stops.push({ from: c.t0, to: c.t });
    }
    const killedAt = chaos.find((c) => c.ev === 'kill' && c.pid === pid)?.t;
    // A signal lands a moment after the run notes it, so the member may log a grant just after a stop began:
    // that lease may be reaped from then on, as much as one granted before.
    const cutAfter = (t: number) =>
      Math.min(Number.POSITIVE_INFINITY, ...stops.filter((s) => s.to >= t).map((s) => Math.max(s.from, t)));
    const mine = new Map<number, Grant>();
    const pendingSets = new Map<number, { key: string; target: number; t0: number }>();
    let lastCount = 0;
    for (const event of events) {
      switch (event.ev) {
        case 'grant': {
          const grant: Grant = { id: event.id, key: event.key, t0: event.t0, t: event.t, end: cutAfter(event.t) };
          const earlier = grants.get(event.id);
          if (earlier) {
            violations.push({
              rule: 'id granted twice',
              detail: `lease ${event.id}: key ${earlier.key} at ${earlier.t.toFixed(1)} ms and key ${event.key} at ${event.t.toFixed(1)} ms`,
            });
          } else grants.set(event.id, grant);
          mine.set(event.id, grant);
          break;
        }
        case 'release': {
          const grant = mine.get(event.id);
          if (grant) grant.end = Math.min(grant.end, event.t);
          break;
        }
        case 'released':
          released++;
          break;
        case 'signal': {
          if (event.reason === 'LeaseRevokedError') revoked++;
          if (event.reason !== 'LeaseLostError') break;
          lost++;
          const grant = mine.get(event.id);
          if (!grant) break;
          // Lost to a failover: the new primary may never have had it, so its holder held it alone until now.
          const failover = windows.find(
            (w) => grant.t < w.promoted && event.t >= w.kill && event.t <= w.until + leaseTtl,
          );
          grant.end = Math.min(grant.end, failover ? event.t : event.t - leaseTtl);
          break;
        }
        case 'set':
          pendingSets.set(event.t0, { key: event.key, target: event.target, t0: event.t0 });
          break;
        case 'set-end': {
          const call = pendingSets.get(event.t0);
          if (!call) break;
          pendingSets.delete(event.t0);
          const sure = event.ok && !mayBeLost(windows, event.t);
          setsByKey.set(call.key, [...(setsByKey.get(call.key) ?? []), { ...call, t: event.t, sure }]);
          break;
        }
        case 'count':
          lastCount = event.acquires + event.tries + event.sets;
          break;
        default:
          break;
      }
    }
    operations += lastCount;
    // A set that never settled (its process was killed) may land until Redis has read it: say 2 s later.
    for (const call of pendingSets.values()) {
      const t = killedAt !== undefined ? killedAt + 2_000 : Number.POSITIVE_INFINITY;
      setsByKey.set(call.key, [...(setsByKey.get(call.key) ?? []), { ...call, t, sure: true }]);
    }
  }

  // Ids rise in grant order, shard by shard (a shard's ids are ≡ its index modulo the shards).
  const byResolve = [...grants.values()].sort((a, b) => a.t - b.t);
  for (let shard = 0; shard < shards; shard++) {
    const inShard = (g: Grant) => g.id % shards === shard;
    violations.push(...outOfOrder(byResolve.filter(inShard), [...grants.values()].filter(inShard)));
  }

  // No key over a target that can have been in effect.
  const targets = new Map([...setsByKey].map(([key, sets]) => [key, new KeyTargets(sets)]));
  const byKey = new Map<string, Grant[]>();
  let failoverOverlaps = 0;
  for (const grant of byResolve) byKey.set(grant.key, [...(byKey.get(grant.key) ?? []), grant]);
  for (const [key, list] of byKey) {
    const live: Grant[] = [];
    for (const { t, grant } of judgedAt(list, windows)) {
      for (let i = live.length - 1; i >= 0; i--) if ((live[i] as Grant).end <= t) live.splice(i, 1);
      if (grant && grant.end > grant.t) live.push(grant);
      if (live.length === 0) continue;
      const newest = live.reduce((a, b) => (b.id > a.id ? b : a));
      const allowed = targets.get(key)?.highest(newest.t0, newest.t) ?? 0;
      const failover = windowAt(windows, t);
      if (failover && live.length > allowed) failoverOverlaps++;
      if (live.length > (failover ? 2 * allowed : allowed)) {
        const when = failover
          ? `, more than two holders per unit ${(t - failover.kill).toFixed(0)} ms after a failover's kill`
          : windows.some((w) => w.until === t)
            ? ', still at the end of a failover window'
            : '';
        violations.push({
          rule: 'over target',
          detail: `key ${key} at ${t.toFixed(1)} ms: leases ${live.map((g) => g.id).join(', ')} live, target at most ${allowed} when ${newest.id} was granted${when}`,
        });
      }
    }
  }
  let sets = 0;
  for (const list of setsByKey.values()) sets += list.length;
  return { grants: grants.size, released, lost, revoked, sets, operations, failoverOverlaps, violations };
}
