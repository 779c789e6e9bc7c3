import { type Actor, createActor } from 'xstate';
import { type PoolActorRef, poolMachine } from '../machines/pool/pool-machine.js';
import { listenToPool } from '../machines/pool/pool-outlet.js';
import type { PoolEvent } from '../machines/pool/pool-types.js';
import type { LeaseWant } from '../machines/pool/waiter-queue.js';
import { AbortRegistry } from './abort-registry.js';
import { LeaseRevokedError, PoolStoppedError } from './errors.js';
import { InspectRelay } from './inspect-guard.js';
import { type Lease, type LeaseOwner, PoolLease } from './lease.js';
import { leaseIterator } from './lease-iterator.js';
import type { AcquireOptions, CreatePoolOptions, TryAcquireOptions, WaitingOptions } from './options.js';
import type { Counts, Pool } from './pool.js';
import {
  assertDefaultTarget,
  assertFunction,
  assertInspect,
  assertKey,
  assertOptions,
  assertSignal,
  assertTarget,
} from './validate.js';

/** How a pending request's promise is settled. */
interface Settler<K> {
  resolve(lease: Lease<K>): void;
  reject(error: unknown): void;
  /** The signal the request was given, if any. */
  readonly signal: AbortSignal | undefined;
}

const noop = () => {};

/** The acquiring options as read, once each: a getter among them runs once, before the call acts. */
interface ReadOptions<K> {
  readonly key: K | undefined;
  readonly signal: AbortSignal | undefined;
}

/** Reads the `key`/`signal` options every acquiring call shares. */
function readAcquireOptions<K>(options: unknown, call: string): ReadOptions<K> {
  assertOptions(options, call, ['key', 'signal']);
  const key = options?.key as K | undefined;
  const signal = options?.signal;
  assertSignal(signal);
  return { key, signal };
}

function wantOf(key: unknown): LeaseWant {
  return key === undefined ? { anyKey: true } : { anyKey: false, key };
}

/**
 * The facade over the pool actor: it validates calls, turns them into
 * events, and settles promises from what the actor tells its listeners
 * (`listenToPool`). Counts and queues live in the actors only.
 */
class ActorPool<K> implements Pool<K> {
  readonly actor: PoolActorRef;
  readonly signal: AbortSignal;
  readonly done: Promise<void>;

  readonly #actor: Actor<typeof poolMachine>;
  readonly #stopController = new AbortController();
  /** The one error this pool's stop rejects with, also `pool.signal.reason`: iteration ends on it and on no other. */
  readonly #stopReason = new PoolStoppedError();
  readonly #pending = new Map<number, Settler<K>>();
  readonly #aborts = new AbortRegistry((requestId, reason) => this.#withdraw(requestId, reason));
  readonly #drainWaiters: Array<() => void> = [];
  readonly #inspect: InspectRelay | undefined;
  /** The controllers of the lease signals that were read, by lease id, while their leases are out. */
  readonly #watched = new Map<number, AbortController>();
  /** Revocations the actor decided in the event being sent, as key then lease ids, aborted once it has returned. */
  readonly #revoked: Array<{ readonly key: unknown; readonly leaseIds: readonly number[] }> = [];
  readonly #leaseOwner: LeaseOwner = {
    settle: (leaseId) => this.#send({ type: 'lease.release', leaseId }),
    windDownReason: (leaseId, key) => this.#windDownReason(leaseId, key),
    watch: (leaseId, controller) => this.#watched.set(leaseId, controller),
    unwatch: (leaseId) => this.#watched.delete(leaseId),
  };
  #nextRequestId = 1;
  #stopped = false;
  /** How deep the facade is inside the actor's processing (a send made by a send's own effects nests). */
  #sending = 0;
  #resolveDone: () => void = noop;
  #unlistenParent: () => void = noop;

  constructor(options: CreatePoolOptions) {
    this.#inspect = options.inspect ? new InspectRelay(options.inspect) : undefined;
    this.#actor = createActor(poolMachine, {
      input: { defaultTarget: options.defaultTarget },
      ...(this.#inspect ? { inspect: this.#inspect.observer } : {}),
    });
    this.actor = this.#actor;
    this.signal = this.#stopController.signal;
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    listenToPool(this.#actor, {
      granted: (requestId, leaseId, key) => this.#onGranted(requestId, leaseId, key),
      drained: () => this.#onDrained(),
      revoked: (key, leaseIds) => this.#revoked.push({ key, leaseIds }),
      stopped: (dropped) => this.#onStopped(dropped),
    });
    this.#sending++;
    this.#actor.start();
    this.#sent();

    const parent = options.signal;
    if (parent?.aborted) this.stop();
    else if (parent) {
      const stop = () => this.stop();
      parent.addEventListener('abort', stop, { once: true });
      this.#unlistenParent = () => parent.removeEventListener('abort', stop);
    }
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  set(key: K, target: number): void {
    assertKey(key);
    assertTarget(target);
    if (this.stopped) throw new PoolStoppedError(`Cannot set the target of a stopped pool`);
    this.#send({ type: 'target.set', key, target });
  }

  get(key: K): Counts {
    assertKey(key);
    const entry = this.#actor.getSnapshot().context.groups.get(key);
    if (!entry) return { target: 0, active: 0 };
    const { target, active } = entry.counts();
    return { target, active };
  }

  acquire(options?: AcquireOptions<K>): Promise<Lease<K>> {
    let read: ReadOptions<K>;
    try {
      read = readAcquireOptions<K>(options, 'acquire');
    } catch (error) {
      return Promise.reject(error);
    }
    const { signal } = read;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#stopped) return Promise.reject(this.#stopReason);

    const requestId = this.#nextRequestId++;
    return new Promise<Lease<K>>((resolve, reject) => {
      this.#pending.set(requestId, { resolve, reject, signal });
      if (signal) this.#aborts.add(signal, requestId);
      this.#send({ type: 'lease.request', requestId, ...wantOf(read.key) });
    });
  }

  tryAcquire(options?: TryAcquireOptions<K>): Lease<K> | undefined {
    const raw: unknown = options;
    assertOptions(raw, 'tryAcquire', ['key']);
    // Read before the stopped check: a getter may stop the pool.
    const want = wantOf(raw?.key);
    if (this.#stopped) return undefined;
    const requestId = this.#nextRequestId++;
    let granted: Lease<K> | undefined;
    this.#pending.set(requestId, {
      resolve: (lease) => {
        granted = lease;
      },
      reject: noop,
      signal: undefined,
    });
    this.#send({ type: 'lease.try', requestId, ...want });
    this.#pending.delete(requestId);
    return granted;
  }

  leases(options?: AcquireOptions<K>): AsyncIterableIterator<Lease<K>, undefined> {
    const { key, signal } = readAcquireOptions<K>(options, 'leases');
    const read: AcquireOptions<K> = { ...(key === undefined ? {} : { key }), ...(signal ? { signal } : {}) };
    return leaseIterator<K, Lease<K>>(
      (o) => this.acquire(o),
      read,
      (error) => error === this.#stopReason,
    );
  }

  async run<T>(fn: (lease: Lease<K>) => T | PromiseLike<T>, options?: AcquireOptions<K>): Promise<T> {
    assertFunction(fn, 'fn');
    const lease = await this.acquire(options);
    try {
      return await fn(lease);
    } finally {
      lease.release();
    }
  }

  waiting(options?: WaitingOptions<K>): number {
    const raw: unknown = options;
    assertOptions(raw, 'waiting', ['key']);
    const key = raw?.key;
    const { waiters } = this.#actor.getSnapshot().context;
    return key === undefined ? waiters.size : waiters.countFor(key);
  }

  keys(): K[] {
    return [...this.#actor.getSnapshot().context.groups.keys()] as K[];
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unlistenParent();
    // The actor stops granting before any user listener runs, so a listener
    // that releases a lease cannot hand it to a request being rejected.
    this.#send({ type: 'pool.stop' });
    this.#stopController.abort(this.#stopReason);
    const watched = [...this.#watched.values()];
    this.#watched.clear();
    for (const controller of watched) controller.abort(this.#stopReason);
    this.#resolveDone();
  }

  drained(): Promise<void> {
    if (this.#actor.getSnapshot().context.leases.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /**
   * Sends `event` to the pool actor, which processes it before this returns.
   * Once the outermost send is over, the signals of the leases it revoked
   * are aborted and the inspect observers run: after the actor has
   * returned, so that their listeners may call back into the pool, see it
   * settled, and have their calls act at once.
   */
  #send(event: PoolEvent): void {
    this.#sending++;
    try {
      this.#actor.send(event);
    } finally {
      this.#sent();
    }
  }

  #sent(): void {
    if (--this.#sending > 0) return;
    if (this.#revoked.length > 0) this.#abortRevoked();
    this.#inspect?.deliver();
  }

  #abortRevoked(): void {
    for (const { key, leaseIds } of this.#revoked.splice(0)) {
      for (const leaseId of leaseIds) {
        const controller = this.#watched.get(leaseId);
        if (!controller) continue;
        this.#watched.delete(leaseId);
        controller.abort(new LeaseRevokedError(key));
      }
    }
  }

  #windDownReason(leaseId: number, key: unknown): unknown {
    if (this.#actor.getSnapshot().context.leases.isRevoked(leaseId)) return new LeaseRevokedError(key);
    return this.#stopped ? this.#stopReason : undefined;
  }

  /** Withdraws pending request `requestId`, whose signal aborted with `reason`; one already granted keeps its lease. */
  #withdraw(requestId: number, reason: unknown): void {
    const pending = this.#pending.get(requestId);
    if (!pending) return;
    this.#pending.delete(requestId);
    this.#send({ type: 'request.cancel', requestId, reason });
    pending.reject(reason);
  }

  /** Forgets pending request `requestId`, about to be settled. */
  #settled(requestId: number, pending: Settler<K>): void {
    this.#pending.delete(requestId);
    if (pending.signal) this.#aborts.remove(pending.signal, requestId);
  }

  #onGranted(requestId: number, leaseId: number, key: unknown): void {
    const lease = new PoolLease<K>(leaseId, key as K, this.#leaseOwner);
    const pending = this.#pending.get(requestId);
    if (!pending) {
      // No caller waits for this request (a raw event sent to pool.actor): give the lease back at once.
      lease.release();
      return;
    }
    this.#settled(requestId, pending);
    pending.resolve(lease);
  }

  #onDrained(): void {
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }

  #onStopped(dropped: readonly number[]): void {
    for (const requestId of dropped) {
      const pending = this.#pending.get(requestId);
      if (!pending) continue;
      this.#settled(requestId, pending);
      pending.reject(this.#stopReason);
    }
  }
}

/**
 * Creates a keyed lease pool (Go's `NewPool`). The pool is an XState actor
 * with one child actor per key; see {@link Pool} for what each call
 * promises. `K` is the type of the keys.
 *
 * @throws {TypeError} if `options` is not an object, has an unknown option,
 * `signal` is not a real `AbortSignal`, `inspect` is neither a function
 * nor an observer object whose `next`, `error` and `complete` are functions
 * where present, or `defaultTarget` is not a number.
 * @throws {RangeError} if `defaultTarget` is not a safe integer ≥ 1.
 */
export function createPool<K = unknown>(options?: CreatePoolOptions): Pool<K> {
  const raw: unknown = options;
  assertOptions(raw, 'createPool', ['signal', 'inspect', 'defaultTarget']);
  // Each option is read once: a getter runs once, and what it returned is what the pool uses.
  const read: CreatePoolOptions = {
    signal: raw?.signal,
    inspect: raw?.inspect,
    defaultTarget: raw?.defaultTarget,
  } as CreatePoolOptions;
  assertSignal(read.signal);
  assertInspect(read.inspect);
  if (read.defaultTarget !== undefined) assertDefaultTarget(read.defaultTarget);
  return new ActorPool<K>(read);
}
