/**
 * A reference model of SPEC, written the plainest way on purpose: arrays
 * scanned from the front, no XState, nothing imported from `src/`. It is
 * slow and obviously right, which is what the real pool is compared with.
 */

/** Map-key equality (SameValueZero): NaN equals NaN, 0 equals -0. */
export function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** What a waiter accepts: any group's lease, or only `key`'s. */
export type Want = { readonly any: true } | { readonly any: false; readonly key: unknown };

/** One group: a key with its target and the leases it has out. */
export interface ModelGroup {
  readonly key: unknown;
  target: number;
  active: number;
}

/** A pending `acquire()`, named by the test's request number. */
export interface ModelWaiter {
  readonly request: number;
  readonly want: Want;
}

/** How a request settled, in the order the model expects the promises to settle. */
export type Outcome =
  | { readonly request: number; readonly kind: 'lease'; readonly leaseId: number; readonly key: unknown }
  | { readonly request: number; readonly kind: 'aborted' }
  | { readonly request: number; readonly kind: 'stopped' }
  | { readonly request: number; readonly kind: 'drained' };

/** Why a lease's signal aborted: revoked by `set` (S11), or the pool stopped (S8). */
export type WindDown = 'revoked' | 'stopped';

/** A lease the model handed out: its id and key. */
export interface ModelLease {
  readonly leaseId: number;
  readonly key: unknown;
}

/**
 * The whole pool as SPEC describes it. Methods are the pool's calls; each
 * one appends to `outcomes` what the caller should see settle next.
 */
export class PoolModel {
  /** Groups in the order they were created (what `keys()` lists). */
  readonly groups: ModelGroup[] = [];
  /** Pending waiters, oldest first. */
  readonly waiters: ModelWaiter[] = [];
  /** Groups that can grant, in the order they take turns (S4). */
  readonly rotation: ModelGroup[] = [];
  /** Lease id → group, for the leases out. */
  readonly out = new Map<number, ModelGroup>();
  /** Every lease handed to a caller, in delivery order. */
  readonly delivered: ModelLease[] = [];
  /** What settled, in order; the test drains it after each command. */
  outcomes: Outcome[] = [];
  /** Pending `drained()` calls, by request number. */
  readonly drainWaiters: number[] = [];
  /**
   * Lease id → why its signal aborted, for every lease whose signal did
   * (S11): kept after release, since a released lease's signal stays as it
   * was; a lease released before any of it never gets an entry.
   */
  readonly windDown = new Map<number, WindDown>();
  nextLeaseId = 1;
  stopped = false;

  group(key: unknown): ModelGroup | undefined {
    return this.groups.find((g) => sameKey(g.key, key));
  }

  get(key: unknown): { target: number; active: number } {
    const g = this.group(key);
    return g ? { target: g.target, active: g.active } : { target: 0, active: 0 };
  }

  keys(): unknown[] {
    return this.groups.map((g) => g.key);
  }

  /** Whether `g` may grant one more lease now (S2, S8). */
  canGrant(g: ModelGroup): boolean {
    return !this.stopped && g.active < g.target;
  }

  /** `set(key, target)` with a valid target on a running pool. */
  set(key: unknown, target: number): void {
    let g = this.group(key);
    if (!g) {
      if (target === 0) return;
      g = { key, target, active: 0 };
      this.groups.push(g);
    }
    g.target = target;
    this.#revokeNewest(g);
    this.#countsChanged(g);
    this.#serve();
  }

  /** `g`'s leases out that were not revoked, oldest first. */
  unrevoked(g: ModelGroup): number[] {
    return [...this.out].filter(([id, og]) => og === g && !this.windDown.has(id)).map(([id]) => id);
  }

  /** Revokes `g`'s newest unrevoked leases until at most its target are left (S11). */
  #revokeNewest(g: ModelGroup): void {
    const ids = this.unrevoked(g).sort((a, b) => a - b);
    while (ids.length > g.target) this.windDown.set(ids.pop() as number, 'revoked');
  }

  /** `acquire()` on a running pool with a live signal: queue, then serve. */
  acquire(request: number, want: Want): void {
    this.waiters.push({ request, want });
    this.#serve();
  }

  /** `tryAcquire()`: a lease only if a group can grant and no older waiter wants it. */
  tryAcquire(want: Want): ModelLease | undefined {
    if (this.stopped) return undefined;
    const g = want.any ? this.rotation[0] : this.group(want.key);
    if (!g || !this.canGrant(g)) return undefined;
    const lease = this.#grant(g);
    this.delivered.push(lease);
    return lease;
  }

  /** A lease is released; a second release of the same lease does nothing (S6). */
  release(leaseId: number): void {
    const g = this.out.get(leaseId);
    if (!g) return;
    this.out.delete(leaseId);
    g.active--;
    this.#countsChanged(g);
    this.#serve();
    if (this.out.size === 0) this.#resolveDrained();
  }

  /** The signal of pending request `request` aborted (S7); true if it was still waiting. */
  abort(request: number): boolean {
    const i = this.waiters.findIndex((w) => w.request === request);
    if (i < 0) return false;
    this.waiters.splice(i, 1);
    this.outcomes.push({ request, kind: 'aborted' });
    return true;
  }

  /** `stop()` (S8). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const w of this.waiters.splice(0)) this.outcomes.push({ request: w.request, kind: 'stopped' });
    this.rotation.length = 0;
    // Stop changes no target (S8); every lease out is asked to wind down.
    for (const id of this.out.keys()) if (!this.windDown.has(id)) this.windDown.set(id, 'stopped');
  }

  /** `drained()`: settles now if no lease is out, else at the release of the last one. */
  drained(request: number): void {
    this.drainWaiters.push(request);
    if (this.out.size === 0) this.#resolveDrained();
  }

  #resolveDrained(): void {
    for (const request of this.drainWaiters.splice(0)) this.outcomes.push({ request, kind: 'drained' });
  }

  /** Grants to the oldest waiter any group can serve, until none can be served (S3, S5). */
  #serve(): void {
    for (;;) {
      let found: [ModelWaiter, ModelGroup] | undefined;
      for (const w of this.waiters) {
        const g = w.want.any ? this.rotation[0] : this.group(w.want.key);
        if (g && this.canGrant(g)) {
          found = [w, g];
          break;
        }
      }
      if (!found) return;
      const [w, g] = found;
      this.waiters.splice(this.waiters.indexOf(w), 1);
      const lease = this.#grant(g);
      this.delivered.push(lease);
      this.outcomes.push({ request: w.request, kind: 'lease', ...lease });
    }
  }

  /** Issues one lease of `g`; a group that grants and still can goes to the back (S4). */
  #grant(g: ModelGroup): ModelLease {
    const leaseId = this.nextLeaseId++;
    g.active++;
    this.out.set(leaseId, g);
    this.#leaveRotation(g);
    if (this.canGrant(g)) this.rotation.push(g);
    return { leaseId, key: g.key };
  }

  /**
   * After `g`'s target or active changed: it joins the back of the rotation
   * when it becomes able to grant, leaves it when it no longer can, and is
   * removed when both counts are 0 (S1).
   */
  #countsChanged(g: ModelGroup): void {
    if (!this.canGrant(g)) this.#leaveRotation(g);
    else if (!this.rotation.includes(g)) this.rotation.push(g);
    if (g.target === 0 && g.active === 0) this.groups.splice(this.groups.indexOf(g), 1);
  }

  #leaveRotation(g: ModelGroup): void {
    const i = this.rotation.indexOf(g);
    if (i >= 0) this.rotation.splice(i, 1);
  }
}
