import { type Outcome, PoolModel, type Want } from '../model.js';

/**
 * The model of SPEC (`model.ts`) seen by several members of one Redis pool
 * (DISTRIBUTED D1): one fleet-wide pool, plus what belongs to each member —
 * its waiters, its leases, whether it stopped, its `drained()` calls (D6:
 * a member's `stop()` rejects its own waiters, asks its own leases to wind
 * down and leaves the fleet's targets alone; `drained()` waits for its own
 * leases). Revocations by `set` are the pool model's (S11), whichever
 * member holds the lease.
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
  windDown(leaseId: number): 'revoked' | 'stopped' | undefined {
    return this.stoppedLeases.has(leaseId) ? 'stopped' : this.pool.windDown.get(leaseId);
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
    this.pool.set(key, target);
    this.#assignLeases();
  }

  acquire(member: number, request: number, want: Want): void {
    this.requestMember.set(request, member);
    if (this.stopped[member]) this.pool.outcomes.push({ request, kind: 'stopped' });
    else this.pool.acquire(request, want);
    this.#assignLeases();
  }

  tryAcquire(member: number, want: Want): number | undefined {
    if (this.stopped[member]) return undefined;
    const lease = this.pool.tryAcquire(want);
    if (lease) this.leaseMember.set(lease.leaseId, member);
    // A group it created on demand may have served older waiters first (S12): their leases are their members'.
    this.#assignLeases();
    return lease?.leaseId;
  }

  release(leaseId: number): void {
    this.pool.release(leaseId);
    this.#assignLeases();
  }

  abort(request: number): void {
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
    this.#drains.push({ request, member });
    this.#settleDrains();
  }
}
