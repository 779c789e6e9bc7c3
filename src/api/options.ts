import type { InspectionEvent, Observer } from 'xstate';

/** What `inspect` takes: an observer of the actor system's inspection events, or a function of them. */
export type InspectObserver = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

/** Options of {@link createPool}. Every option may be left out or given as `undefined`, which means the same. */
export interface CreatePoolOptions {
  /**
   * Stops the pool when aborted, as cancelling the context does in Go. A
   * signal that is already aborted gives a pool that is already stopped.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Receives every inspection event of the pool's actor system: the pool
   * actor, one child per key, every event and snapshot. Pass the `inspect`
   * of `@statelyai/inspect`'s inspectors to watch the pool live. Snapshots
   * of the pool carry its context as plain summaries (group ids and counts,
   * waiters, leases out) taken at that event. The observer is called once
   * the pool has finished processing the call that caused the events, before
   * that call returns, so a call the observer makes into the pool acts at
   * once. An observer that throws does not break the pool: the error is
   * reported (to `reportError` where the platform has it, else
   * `console.error`).
   */
  readonly inspect?: InspectObserver | undefined;
  /**
   * A safe integer ≥ 1. When given, a keyed `acquire`, `tryAcquire` or
   * `leases` for a key with no group creates that group with this target,
   * as `set(key, defaultTarget)` would, and the group is removed again as
   * soon as it has no lease out and no waiter asks for its key, unless
   * `set` has given it a target since. Requests for any key never create
   * groups. Left out: a keyed request for a key with no group waits until
   * `set` creates it. The per-tenant pattern: every tenant gets
   * `defaultTarget` leases at a time, with no registry of tenants, and idle
   * tenants cost nothing.
   */
  readonly defaultTarget?: number | undefined;
}

/** Options of `pool.acquire()`, `pool.leases()` and `pool.run()`. */
export interface AcquireOptions<K> {
  /**
   * Accept a lease of this key's group only. Absent (or `undefined`): a
   * lease of any group.
   */
  readonly key?: K | undefined;
  /**
   * Withdraws the request when aborted; the call rejects with
   * `signal.reason`. It bounds the wait for a lease only: once granted, the
   * lease is the caller's until released.
   */
  readonly signal?: AbortSignal | undefined;
}

/** Options of `pool.tryAcquire()`. */
export interface TryAcquireOptions<K> {
  /**
   * Accept a lease of this key's group only. Absent (or `undefined`): a
   * lease of any group.
   */
  readonly key?: K | undefined;
}

/** Options of `pool.waiting()`. */
export interface WaitingOptions<K> {
  /** Count only the waiters that asked for this key. Absent (or `undefined`): count every waiter. */
  readonly key?: K | undefined;
}
