import type { InspectionEvent, Observer } from 'xstate';

/** What `inspect` takes: an observer of the actor system's inspection events, or a function of them. */
export type InspectObserver = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

/** Options of {@link createPool}. */
export interface CreatePoolOptions {
  /**
   * Stops the pool when aborted, as cancelling the context does in Go. A
   * signal that is already aborted gives a pool that is already stopped.
   */
  readonly signal?: AbortSignal;
  /**
   * Receives every inspection event of the pool's actor system: the pool
   * actor, one child per key, every event and snapshot. Pass the `inspect`
   * of `@statelyai/inspect`'s inspectors to watch the pool live. Snapshots
   * of the pool carry its context as plain summaries (group ids and counts,
   * waiters, leases out) taken at that event. An observer
   * that throws does not break the pool: the error is reported (to
   * `reportError` where the platform has it, else `console.error`).
   */
  readonly inspect?: InspectObserver;
}

/** Options of `pool.acquire()`, `pool.leases()` and `pool.run()`. */
export interface AcquireOptions<K> {
  /**
   * Accept a lease of this key's group only. Absent (or `undefined`): a
   * lease of any group.
   */
  readonly key?: K;
  /** Withdraws the request when aborted; the call rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/** Options of `pool.tryAcquire()`. */
export interface TryAcquireOptions<K> {
  /**
   * Accept a lease of this key's group only. Absent (or `undefined`): a
   * lease of any group.
   */
  readonly key?: K;
}
