import type { RequestRef } from './request-machine.js';

/**
 * A member's request actors, indexed the ways Redis names them: by the
 * request id each was last sent as (while it waits for a lease) and by the
 * lease id it holds. The member routes notices and heartbeat listings
 * through these; each request actor enters and leaves them itself, in the
 * same step as its state changes, so no notice finds a stale entry.
 */
export class MemberRequests {
  /** Every request actor not yet stopped, those winding down included. */
  readonly all = new Set<RequestRef>();
  /** Requests waiting for a lease (sending, queued, parked, confirming), by the id they were last sent as. */
  readonly byId = new Map<number, RequestRef>();
  /** Requests holding a lease (confirming, held, releasing), by lease id. */
  readonly byLease = new Map<number, RequestRef>();
  #drainWaiters: Array<() => void> = [];

  /** Takes lease `lease` off the table; the last one off resolves {@link whenDrained}. */
  forgetLease(lease: number, ref: RequestRef): void {
    if (this.byLease.get(lease) !== ref) return;
    this.byLease.delete(lease);
    if (this.byLease.size > 0) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Takes request id `id` off the table, if it still names `ref`. */
  forgetId(id: number, ref: RequestRef): void {
    if (this.byId.get(id) === ref) this.byId.delete(id);
  }

  /** Resolves once this member holds no lease (none confirming, held or releasing). */
  whenDrained(): Promise<void> {
    if (this.byLease.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** The keys this member holds a lease of or waits for. */
  keysInUse(): Set<string> {
    const keys = new Set<string>();
    for (const ref of this.byLease.values()) {
      const lease = ref.getSnapshot().context.lease;
      if (lease) keys.add(lease.key);
    }
    for (const ref of this.byId.values()) {
      const key = ref.getSnapshot().context.key;
      if (key !== undefined) keys.add(key);
    }
    return keys;
  }

  /** The key each waiting `acquire` asked for (`undefined`: any key). */
  *waitingKeys(): Iterable<string | undefined> {
    for (const ref of this.byId.values()) {
      const { mode, key } = ref.getSnapshot().context;
      if (mode === 'acquire') yield key;
    }
  }

  /** What the inspector shows of it: how many requests wait and how many leases are held. */
  toJSON(): { waiting: number; leases: number } {
    return { waiting: this.byId.size, leases: this.byLease.size };
  }
}
