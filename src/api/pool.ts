import type { PoolActorRef } from '../machines/pool/pool-machine.js';
import type { Lease } from './lease.js';
import type { AcquireOptions, TryAcquireOptions, WaitingOptions } from './options.js';

/** A group's counts (Go's `Counts`). */
export interface Counts {
  /** How many leases the group wants active at once. */
  readonly target: number;
  /** How many leases the group has out. */
  readonly active: number;
}

/**
 * A keyed lease pool: groups by key, each with a target number of
 * concurrent leases that can change at run time; workers acquire leases,
 * do work and release them. Leases flow from all groups through one acquire
 * point, round-robin, so a key with twice the target gets about twice the
 * work. Create one with {@link createPool}.
 */
export interface Pool<K = unknown> {
  /**
   * Sets `key`'s target. A target ≥ 1 creates the group if it is
   * absent; 0 stops it granting, and removes it once it has no lease out
   * (until then it is draining, and a later `set` revives it with the same
   * active count). Waiters it can serve are granted before `set` returns.
   *
   * @throws {TypeError} if `key` is `undefined` or `target` is not a number.
   * @throws {RangeError} if `target` is not a non-negative safe integer.
   * @throws {PoolStoppedError} if the pool is stopped.
   * Nothing changes when it throws.
   */
  set(key: K, target: number): void;

  /** `key`'s counts; `{ target: 0, active: 0 }` if it has no group. @throws {TypeError} if `key` is `undefined`. */
  get(key: K): Counts;

  /**
   * Waits for a lease: of any group, or of `options.key`'s only (a key with
   * no group waits until `set` creates it, or is created on demand when the
   * pool has a `defaultTarget`). Waiters are served first come, first
   * served, and a lease granted by a call resolves the promise on the next
   * microtask. Rejects with `signal.reason` if `options.signal` aborts first
   * (the request leaves the queue; a lease already granted stays the
   * caller's), and
   * with {@link PoolStoppedError} if the pool stops first or is stopped.
   * Bad options reject with a `TypeError`.
   */
  acquire(options?: AcquireOptions<K>): Promise<Lease<K>>;

  /**
   * A lease now, if one can be granted without passing over an older waiter;
   * `undefined` otherwise and after stop. Never waits.
   *
   * @throws {TypeError} for bad options.
   */
  tryAcquire(options?: TryAcquireOptions<K>): Lease<K> | undefined;

  /**
   * The leases as an async iterable, like ranging over Go's `Acquire()`
   * channel (a `for … range` loop that receives each value the channel
   * sends until it is closed): each step waits for the next lease, which the consumer must
   * release. Iteration ends when this pool stops; it throws `signal.reason`
   * if `options.signal` aborts, whatever that reason is (another pool's
   * {@link PoolStoppedError} included). Leaving the loop early withdraws the pending
   * request, so no waiter is left behind.
   *
   * @throws {TypeError} for bad options.
   */
  leases(options?: AcquireOptions<K>): AsyncIterableIterator<Lease<K>, undefined>;

  /**
   * Acquires a lease, runs `fn` with it, and releases it however `fn` ends.
   * Resolves with `fn`'s result and rejects with its error, or as
   * {@link Pool.acquire} rejects. `options.signal` bounds the wait for the
   * lease only: once `fn` runs, aborting it does not stop `fn` (pass
   * `lease.signal` or your own signal into `fn` for that).
   */
  run<T>(fn: (lease: Lease<K>) => T | PromiseLike<T>, options?: AcquireOptions<K>): Promise<T>;

  /** The keys that have a group, draining ones included, in the order their groups were created. */
  keys(): K[];

  /**
   * How many `acquire`s (and `leases()` steps) are waiting: all of them, or
   * only those that asked for `options.key` (waiters for any key are not
   * counted then).
   *
   * @throws {TypeError} for bad options.
   */
  waiting(options?: WaitingOptions<K>): number;

  /**
   * Stops the pool: grants nothing more, rejects pending requests
   * with {@link PoolStoppedError}, aborts {@link Pool.signal} and resolves
   * {@link Pool.done}. Targets stay as set; leases still out keep counting
   * until released, and their signals abort. Calling it again does nothing.
   * Granting ends
   * before any listener of {@link Pool.signal} runs, so a lease such a
   * listener releases goes to no waiter.
   */
  stop(): void;

  /** Resolves once no lease is out, at once if none is; works before and after stop. */
  drained(): Promise<void>;

  /** Aborted, with a {@link PoolStoppedError}, when the pool stops. */
  readonly signal: AbortSignal;

  /** Resolves when the pool stops. */
  readonly done: Promise<void>;

  /** Whether the pool is stopped. */
  readonly stopped: boolean;

  /**
   * The pool's XState actor, for inspection: its snapshot's context holds the
   * groups, waiters and leases; each group is a child actor. Send it nothing:
   * the methods above are the way in.
   */
  readonly actor: PoolActorRef;
}
