import { type ModelWaiter, type Outcome, PoolModel, type Want } from '../model.js';

/**
 * The model of SPEC (`model.ts`) seen by several members of one Redis pool
 * (DISTRIBUTED D1): one fleet-wide pool, plus what belongs to each member —
 * its waiters, its leases, whether it stopped, its `drained()` calls (D6:
 * a member's `stop()` rejects its own waiters, asks its own leases to wind
 * down and leaves the fleet's targets alone; `drained()` waits for its own
 * leases). Revocations by `set` are the pool model's (S11), whichever
 * member holds the lease. A member's rejoin (D6, D7) loses its leases and
 * queues its waiters again ({@link rejoin}). After a failover to a lagging
 * replica Redis' state is no longer what the calls made it: the model is
 * then `exact` no more, its methods change nothing, and the run checks
 * D11's invariants instead.
 */
export class FleetModel {
  readonly pool: PoolModel;
  readonly stopped: boolean[];
  /** Request number → the member that asked. */
  readonly requestMember = new Map<number, number>();
  /** Lease id (the model's) → the member holding it. */
  readonly leaseMember = new Map<number, number>();
  /** Leases (the model's ids) whose signal aborted because their member stopped, before any revocation. */
  readonly stoppedLeases = new Set<number>();
  /** Leases (the model's ids) lost by a rejoin of their member while out: their signal aborts with LeaseLostError unless it already had. */
  readonly lostLeases = new Set<number>();
  /** Whether Redis' state is still what the calls made it (no failover to a lagging replica yet). */
  exact = true;
  /** A replica has copied the pool's keys at least once, so a failover can promote it. */
  replicaSynced = false;
  readonly #drains: { request: number; member: number }[] = [];
  #seen = 0;

  /** `defaultTarget`: every member's, as DISTRIBUTED D10 requires (the pool model's S12). */
  constructor(
    readonly memberCount: number,
    defaultTarget?: number,
  ) {
    this.pool = new PoolModel(defaultTarget);
    this.stopped = Array.from({ length: memberCount }, () => false);
  }

  /** Why lease `leaseId`'s signal aborted (the first reason wins), or `undefined`. */
  windDown(leaseId: number): 'revoked' | 'stopped' | 'lost' | undefined {
    if (this.stoppedLeases.has(leaseId)) return 'stopped';
    return this.pool.windDown.get(leaseId) ?? (this.lostLeases.has(leaseId) ? 'lost' : undefined);
  }

  /** What settled since the last {@link takeOutcomes}. */
  get outcomes(): readonly Outcome[] {
    return this.pool.outcomes;
  }

  takeOutcomes(): Outcome[] {
    const taken = this.pool.outcomes;
    this.pool.outcomes = [];
    this.#seen = 0;
    return taken;
  }

  /** Lease outcomes since the last look give their lease to the waiter's member. */
  #assignLeases(): void {
    for (const o of this.pool.outcomes.slice(this.#seen)) {
      if (o.kind === 'lease') this.leaseMember.set(o.leaseId, this.requestMember.get(o.request) ?? -1);
    }
    this.#seen = this.pool.outcomes.length;
    this.#settleDrains();
  }

  #holds(member: number): boolean {
    for (const id of this.pool.out.keys()) if (this.leaseMember.get(id) === member) return true;
    return false;
  }

  #settleDrains(): void {
    for (let i = 0; i < this.#drains.length; ) {
      const d = this.#drains[i] as { request: number; member: number };
      if (this.#holds(d.member)) i++;
      else {
        this.#drains.splice(i, 1);
        this.pool.outcomes.push({ request: d.request, kind: 'drained' });
        this.#seen = this.pool.outcomes.length;
      }
    }
  }

  set(key: string, target: number): void {
    if (!this.exact) return;
    this.pool.set(key, target);
    this.#assignLeases();
  }

  acquire(member: number, request: number, want: Want): void {
    if (!this.exact) return;
    this.requestMember.set(request, member);
    if (this.stopped[member]) this.pool.outcomes.push({ request, kind: 'stopped' });
    else this.pool.acquire(request, want);
    this.#assignLeases();
  }

  tryAcquire(member: number, want: Want): number | undefined {
    if (this.stopped[member] || !this.exact) return undefined;
    const lease = this.pool.tryAcquire(want);
    if (lease) this.leaseMember.set(lease.leaseId, member);
    // A group it created on demand may have served older waiters first (S12): their leases are their members'.
    this.#assignLeases();
    return lease?.leaseId;
  }

  release(leaseId: number): void {
    if (!this.exact) return;
    this.pool.release(leaseId);
    this.#assignLeases();
  }

  abort(request: number): void {
    if (!this.exact) return;
    this.pool.abort(request);
  }

  /** `stop()` of one member: its waiters reject with PoolStoppedError; targets and leases stay. */
  stop(member: number): void {
    if (this.stopped[member]) return;
    this.stopped[member] = true;
    const waiters = this.pool.waiters;
    for (let i = 0; i < waiters.length; ) {
      const w = waiters[i] as { request: number };
      if (this.requestMember.get(w.request) === member) {
        waiters.splice(i, 1);
        this.pool.outcomes.push({ request: w.request, kind: 'stopped' });
      } else i++;
    }
    this.#seen = this.pool.outcomes.length;
    // Its leases keep counting, and are asked to wind down (D6, S11). They stay unrevoked: a
    // later `set` counts them among the leases it may revoke (S11 says revoked, and a stopping
    // member's lease is not revoked), which is what the scripts do.
    for (const id of this.pool.out.keys()) {
      if (this.leaseMember.get(id) === member && !this.pool.windDown.has(id)) this.stoppedLeases.add(id);
    }
  }

  drained(member: number, request: number): void {
    if (!this.exact) return;
    this.#drains.push({ request, member });
    this.#settleDrains();
  }

  /**
   * Member `member` rejoins as a new incarnation while its request
   * `fresh` is on its way (D6, D7). What Redis does, in order:
   * - if `fresh` reached Redis as the old incarnation (`reachedRedis`), it
   *   was queued or granted there like any acquire;
   * - the old incarnation leaves (or is reaped, D3): see {@link #leave};
   * - the new incarnation sends its waiters again, `fresh` last, in their
   *   original order: each queues at the back, or is granted at once.
   */
  rejoin(member: number, fresh: { request: number; want: Want }, reachedRedis: boolean): void {
    if (!this.exact) return;
    this.requestMember.set(fresh.request, member);
    if (reachedRedis) {
      this.pool.acquire(fresh.request, fresh.want);
      const i = this.pool.outcomes.findIndex((o) => o.kind === 'lease' && o.request === fresh.request);
      const granted = i >= 0 ? this.pool.outcomes.splice(i, 1)[0] : undefined;
      if (granted?.kind === 'lease') this.#undelivered(member, granted.leaseId);
    }
    const dropped = this.#leave(member);
    // Granted as the old incarnation (and given back by its leave), or never reached it: sent again, newest of all.
    if (!dropped.some((w) => w.request === fresh.request)) dropped.push({ request: fresh.request, want: fresh.want });
    for (const w of dropped) this.pool.acquire(w.request, w.want);
    this.#assignLeases();
  }

  /**
   * As {@link rejoin}, for a `tryAcquire` on its way: taken as the old
   * incarnation's try if it reached Redis (a grant there is given back by
   * the leave, so it is not the caller's), and tried again after the
   * waiters are sent again, newest of all. Returns the model's lease the
   * second try gets, if any. When the old incarnation's try found nothing,
   * that is an answer as right as the second try's (the try then happened
   * before the leave): `gotNothing` (the caller got none) takes it.
   */
  rejoinTrying(member: number, want: Want, reachedRedis: boolean, gotNothing: boolean): number | undefined {
    if (!this.exact) return undefined;
    let firstFoundNothing = false;
    if (reachedRedis) {
      const granted = this.pool.tryAcquire(want);
      if (granted) this.#undelivered(member, granted.leaseId);
      else firstFoundNothing = true;
    }
    for (const w of this.#leave(member)) this.pool.acquire(w.request, w.want);
    this.#assignLeases();
    if (firstFoundNothing && gotNothing) return undefined;
    return this.tryAcquire(member, want);
  }

  /** Lease `leaseId`, granted to `member`'s request as an incarnation it has left, never reached its caller. */
  #undelivered(member: number, leaseId: number): void {
    this.leaseMember.set(leaseId, member);
    this.pool.delivered.splice(
      this.pool.delivered.findIndex((l) => l.leaseId === leaseId),
      1,
    );
  }

  /**
   * The old incarnation of `member` leaves (or is reaped, D3): its waiters
   * are dropped first, then its leases given back, oldest first (the order
   * its lease hash lists them), so their capacity goes to the oldest waiters
   * of the other members; a lease delivered to its caller is lost (its
   * signal aborts with LeaseLostError unless it had already wound down).
   * Its drained() calls settle: it holds nothing until its waiters are
   * granted again. Returns the dropped waiters, oldest first.
   */
  #leave(member: number): ModelWaiter[] {
    const waiters = this.pool.waiters;
    const dropped = waiters.filter((w) => this.requestMember.get(w.request) === member);
    for (const w of dropped) waiters.splice(waiters.indexOf(w), 1);
    const held = [...this.pool.out.keys()].filter((id) => this.leaseMember.get(id) === member).sort((a, b) => a - b);
    const delivered = new Set(this.pool.delivered.map((l) => l.leaseId));
    for (const id of held) {
      if (delivered.has(id)) this.lostLeases.add(id);
      this.pool.release(id);
    }
    this.#assignLeases();
    return dropped;
  }
}
