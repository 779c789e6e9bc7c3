/**
 * What a pool tells its instruments as leases come and go. Every method is
 * called synchronously, in the order the pool decided things.
 */
export interface LeaseEvents {
  /**
   * A waiting request (`acquire`) arrived: its wait starts now. `key` is the
   * key it asks for, `undefined` for any key (a source that leaves it out
   * gets its withdrawals counted without a key).
   */
  requested(requestId: number, key?: unknown): void;
  /**
   * A waiting request was withdrawn before a grant, because its signal
   * aborted: `reason` is the signal's abort reason (one named
   * `TimeoutError` counts as a timeout, any other as an abort; a source
   * that leaves it out has its withdrawals counted as aborts). A request
   * dropped by the stop is told in {@link LeaseEvents.stopped} instead.
   */
  withdrawn(requestId: number, reason?: unknown): void;
  /** Request `requestId` was granted lease `leaseId` of `key`'s group. */
  granted(requestId: number, leaseId: number, key: unknown): void;
  /** Lease `leaseId` was released (a lease not out is ignored). */
  released(leaseId: number): void;
  /** Lease `leaseId` of `key`'s group was revoked: its signal asks its holder to stop. */
  revoked(leaseId: number, key: unknown): void;
  /** Lease `leaseId` of `key`'s group was lost (Redis mode: its claim expired). */
  lost(leaseId: number, key: unknown): void;
  /** The pool stopped; these waiting requests were dropped (counted as withdrawn by the stop). */
  stopped(dropped: readonly number[]): void;
}

/**
 * The small interface an instrumented pool satisfies: counts read on demand
 * from where the pool keeps them, and lease events as they happen. The
 * in-process pool satisfies it through its actor;
 * a Redis-mode member can satisfy it the same way and get the same
 * instruments.
 */
export interface MeterSource {
  /** Whether leases can be lost (Redis mode); the lost-lease counter exists only then. */
  readonly losesLeases: boolean;
  /** Calls `visit` once per group with its target and active count. */
  readGroups(visit: (key: unknown, target: number, active: number) => void): void;
  /** How many waiters accept any key. */
  readAnyKeyWaiters(): number;
  /** Calls `visit` once per key that waiters ask for, with how many do. */
  readKeyedWaiters(visit: (key: unknown, count: number) => void): void;
  /** Starts telling `listener` the pool's lease events; returns what stops it. */
  watch(listener: LeaseEvents): () => void;
}
