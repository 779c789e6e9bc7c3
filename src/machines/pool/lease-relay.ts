import type { GroupEvent } from '../group/group-types.js';
import type { GrantEffects } from './grants.js';
import type { GroupEntry } from './group-table.js';

/** What a listener of a pool's {@link LeaseRelay} is told; each method is optional. */
export interface LeaseRelayListener {
  /** Request `requestId` was granted lease `leaseId` of `key`'s group. */
  granted?(requestId: number, leaseId: number, key: unknown): void;
  /** The last lease out was released. */
  drained?(): void;
}

/**
 * Hands grants and drains straight to whoever started the pool actor (the
 * facade, and the metrics it is instrumented with), by a plain call from the
 * action that decides them. Emitting an event instead costs an
 * `enqueueActions` resolution, an `emit` action and a deferred closure per
 * grant. A pool actor whose relay has no listener (one made with
 * `createActor(poolMachine)`) emits `lease.granted` and `pool.drained` as
 * before; one that has listeners tells them only.
 *
 * It is also the {@link GrantEffects} of the decisions made by plain
 * actions: a group is sent its event at once, a grant goes to the
 * listeners. The guards that pick those actions make sure no such decision
 * retires a group or revokes a lease: those need XState's `stopChild` and
 * `emit`, and take the `enqueueActions` path.
 */
export class LeaseRelay implements GrantEffects {
  #listeners: LeaseRelayListener[] = [];

  /** Whether anyone listens: then grants and drains go here instead of being emitted. */
  get listening(): boolean {
    return this.#listeners.length > 0;
  }

  /** Adds `listener`; returns what removes it. */
  listen(listener: LeaseRelayListener): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Tells every listener that request `requestId` was granted lease `leaseId` of `key`'s group. */
  granted(requestId: number, leaseId: number, key: unknown): void {
    // A listener added or removed while telling takes effect from the next grant.
    for (const listener of this.#listeners) listener.granted?.(requestId, leaseId, key);
  }

  /** Tells every listener that the last lease out was released. */
  drained(): void {
    for (const listener of this.#listeners) listener.drained?.();
  }

  tell(entry: GroupEntry, event: GroupEvent): void {
    entry.ref.send(event);
  }

  retire(entry: GroupEntry): never {
    throw new Error(`A plain pool action cannot retire ${entry.id}`);
  }

  revoked(key: unknown): never {
    throw new Error(`A plain pool action cannot revoke leases of ${String(key)}`);
  }

  toJSON(): { listeners: number } {
    return { listeners: this.#listeners.length };
  }
}
