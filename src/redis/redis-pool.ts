import type { InspectObserver, WaitingOptions } from '../api/options.js';
import type { Counts } from '../api/pool.js';
import type { MemberActorRef } from './member-machine.js';

/** Options of {@link createRedisPool}. Each optional one accepts `undefined` as "absent". */
export interface CreateRedisPoolOptions {
  /**
   * A connected client the caller owns: node-redis ≥ 5 (`createClient()`,
   * `createCluster()`, `createSentinel()`) or ioredis ≥ 5 (`new Redis()`,
   * with or without `sentinels`, `new Redis.Cluster()`). Through Sentinel,
   * commands and notifications follow each new primary after a failover.
   * The pool opens one extra connection of its own for notifications and
   * closes it when it stops (a node-redis sentinel cannot be duplicated: its
   * own pub/sub connection carries them, and the pool only unsubscribes); it
   * never closes this one.
   */
  readonly redis: unknown;
  /** The pool's identity: members with the same `name` and `prefix` share one pool. Non-empty. */
  readonly name: string;
  /** Namespace of the pool's Redis keys (default `'workpool'`). */
  readonly prefix?: string | undefined;
  /**
   * How long this member's leases, waiters and membership outlive its last
   * heartbeat, in ms: an integer from 100 to 2 147 483 647 (2³¹−1, the
   * longest timer delay, ~24.8 days), default 30 000. It heartbeats every
   * `leaseTtl / 3`.
   */
  readonly leaseTtl?: number | undefined;
  /**
   * Opt-in zero overlap across failovers (DISTRIBUTED.md D11): a grant
   * reaches its holder only once Redis' `WAIT` confirms that this many
   * replicas have it, so a failover to one of them loses no grant. An
   * integer from 0 (the default: off) to 100. A grant the replicas do not
   * confirm is not delivered: its request keeps waiting (it is asked again
   * every `confirmTimeout`), and a failover that loses the grant queues the
   * request again. Costs one confirmation (a small write and a `WAIT`, on a
   * connection of its own) per batch of grants the member receives.
   */
  readonly confirmReplicas?: number | undefined;
  /**
   * How long one `WAIT` of `confirmReplicas` waits, ms: an integer from 1
   * to `leaseTtl`, default `leaseTtl / 10` (at most 1 000).
   */
  readonly confirmTimeout?: number | undefined;
  /**
   * Groups on demand (DISTRIBUTED.md D10), as `createPool`'s `defaultTarget`: a keyed `acquire`,
   * `tryAcquire` or `leases` for a key with no group creates it with this
   * target, fleet-wide, and the group is removed from Redis as soon as no
   * lease of it is out and no waiter of any member asks for its key;
   * `set(key, t)` makes it an ordinary group. A safe integer ≥ 1; absent:
   * no such groups. Every member of a pool uses the same value (or none):
   * `createRedisPool` rejects with a `RangeError` naming both values,
   * having written nothing, when the pool's live members use another.
   */
  readonly defaultTarget?: number | undefined;
  /**
   * Spreads the pool's keys over this many shards (DISTRIBUTED.md D9), each
   * a complete set of the pool's Redis keys under a hash tag of its own, so
   * that a Redis Cluster spreads the pool's work over its masters. A key's
   * shard is a fixed function of the key (README: "Sharding a pool"). An
   * integer from 1 to 1024; default 1, the one-slot layout. With more than
   * one, every request names a key: `acquire()`, `tryAcquire()` and
   * `leases()` without one reject with a `TypeError`. Every member of a pool
   * uses the same number: `createRedisPool` rejects with a `RangeError`
   * naming both, having written nothing, when the pool's live members use
   * another.
   */
  readonly shards?: number | undefined;
  /** Stops the member when aborted. */
  readonly signal?: AbortSignal | undefined;
  /** Receives every inspection event of the member's actor system, as in `createPool`. */
  readonly inspect?: InspectObserver | undefined;
}

/** Options of `acquire`, `leases` and `run` of a Redis pool; `undefined` means absent. */
export interface RedisAcquireOptions<K extends string> {
  /** Accept a lease of this key's group only; absent: of any group. */
  readonly key?: K | undefined;
  /** Withdraws the request when aborted; the call rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
}

/** Options of `tryAcquire` of a Redis pool; `undefined` means absent. */
export interface RedisTryAcquireOptions<K extends string> {
  /** Accept a lease of this key's group only; absent: of any group. */
  readonly key?: K | undefined;
}

/**
 * A lease of a Redis pool: one unit of a group's capacity, fleet-wide,
 * held until released. `await using lease = await pool.acquire()` releases
 * it at the end of the block.
 */
export interface RedisLease<K extends string = string> extends AsyncDisposable {
  /**
   * A fencing token: unique and increasing across every member of the pool,
   * never reused, even after every key is removed.
   */
  readonly id: number;
  /** The key of the lease's group. */
  readonly key: K;
  /**
   * Asks the holder to wind down: aborts with `LeaseRevokedError` when `set`
   * lowers the target below the leases out and this lease is among the
   * newest, `PoolStoppedError` when this member stops, `LeaseLostError` when
   * the lease is lost. Never aborts after release.
   */
  readonly signal: AbortSignal;
  /** Always false: a Redis pool has no zero lease. */
  isZero(): boolean;
  /**
   * Gives the lease back; its capacity may go to another member's waiter at
   * once. Resolves once Redis has it or the lease is lost; a lost lease's
   * release changes nothing. Retries while Redis is unreachable or refuses
   * for a passing reason (`RedisPoolError.transient`: `OOM`, `LOADING`,
   * `BUSY`, `TRYAGAIN`, `MOVED`/`ASK`, `READONLY`, `CLUSTERDOWN`,
   * `MASTERDOWN`, `NOREPLICAS`). Rejects only for a refusal that will not
   * pass (a `ForeignValueError`, a missing ACL permission); the lease is
   * then still held and `release()` can be called again. Calling it again
   * while one is on its way returns the same promise.
   */
  release(): Promise<void>;
}

/**
 * One member of a keyed lease pool shared through Redis by every process
 * that opens it with the same `name` and `prefix`: targets,
 * FIFO of waiters, round-robin across keys and lease ids hold fleet-wide.
 */
export interface RedisPool<K extends string = string> {
  /** This member's id in the pool. */
  readonly member: string;
  /**
   * Sets `key`'s target fleet-wide: creates, updates or (at 0) drains
   * and removes the group; revokes its newest leases above the target
   *; grants the waiters it can now serve, any member's.
   * Rejects with a `TypeError`/`RangeError` for bad arguments, a
   * `PoolStoppedError` after stop, a `RedisPoolError` when Redis fails.
   */
  set(key: K, target: number): Promise<void>;
  /** `key`'s fleet-wide counts; `{ target: 0, active: 0 }` for a key with no group. */
  get(key: K): Promise<Counts>;
  /** The keys that have a group, fleet-wide, draining ones included, in the order their groups were created. */
  keys(): Promise<K[]>;
  /**
   * Waits for a lease, FIFO across the fleet. Rejects with
   * `signal.reason` when the signal aborts first (the request leaves the
   * queue; a grant racing it is given back), `PoolStoppedError` when this
   * member stops, a `RedisPoolError` when Redis cannot be reached to queue
   * it. Once queued, it keeps waiting through Redis outages.
   */
  acquire(options?: RedisAcquireOptions<K>): Promise<RedisLease<K>>;
  /** A lease now if one can be granted without passing over an older waiter of any member; else `undefined`. */
  tryAcquire(options?: RedisTryAcquireOptions<K>): Promise<RedisLease<K> | undefined>;
  /** The leases as an async iterable; each must be released. Ends when this member stops. */
  leases(options?: RedisAcquireOptions<K>): AsyncIterableIterator<RedisLease<K>, undefined>;
  /**
   * How many requests are waiting, fleet-wide (every member's): all of
   * them, or only those that asked for `options.key` (waiters for any key
   * are not counted then). Read in one call to Redis. Rejects with a
   * `TypeError` for bad options, a `RedisPoolError` when Redis fails.
   */
  waiting(options?: WaitingOptions<K>): Promise<number>;
  /** Acquires a lease, runs `fn` with it, and releases it however `fn` ends. */
  run<T>(fn: (lease: RedisLease<K>) => T | PromiseLike<T>, options?: RedisAcquireOptions<K>): Promise<T>;
  /**
   * Stops this member: rejects its pending acquires with
   * `PoolStoppedError` and withdraws them from Redis, aborts its leases'
   * signals; its leases keep counting until released, then it leaves the
   * pool and closes its notification connection ({@link RedisPool.done}).
   * Resolves once its waiters are withdrawn. Idempotent.
   */
  stop(): Promise<void>;
  /** Whether `stop` was called. */
  readonly stopped: boolean;
  /** Aborted, with a `PoolStoppedError`, when this member stops. */
  readonly signal: AbortSignal;
  /** Resolves when this member has left the pool (after stop and its last release). */
  readonly done: Promise<void>;
  /** Resolves once this member holds no lease. */
  drained(): Promise<void>;
  /** This member's XState actor: its connection life as states, one group child per key it has seen. */
  readonly actor: MemberActorRef;
}
