import { type Actor, createActor } from 'xstate';
import { type PoolActorRef, poolMachine } from '../machines/pool/pool-machine.js';
import type { LeaseGrantedEmitted, LeasesRevokedEmitted, PoolStoppedEmitted } from '../machines/pool/pool-types.js';
import type { LeaseWant } from '../machines/pool/waiter-queue.js';
import { LeaseRevokedError, PoolStoppedError } from './errors.js';
import { guardInspect } from './inspect-guard.js';
import { type Lease, type LeaseOwner, PoolLease } from './lease.js';
import { leaseIterator } from './lease-iterator.js';
import type { AcquireOptions, CreatePoolOptions, TryAcquireOptions } from './options.js';
import type { Counts, Pool } from './pool.js';
import { assertFunction, assertKey, assertOptions, assertSignal, assertTarget } from './validate.js';

/** How a pending request's promise is settled. */
interface Settler<K> {
  resolve(lease: Lease<K>): void;
  reject(error: unknown): void;
  /** Stops listening to the request's signal. */
  unlisten(): void;
}

const noop = () => {};

/** Reads the `key`/`signal` options every acquiring call shares. */
function readAcquireOptions<K>(options: unknown, call: string): AcquireOptions<K> {
  assertOptions(options, call, ['key', 'signal']);
  assertSignal(options?.signal);
  return (options ?? {}) as AcquireOptions<K>;
}

function wantOf<K>(options: { readonly key?: K }): LeaseWant {
  return options.key === undefined ? { anyKey: true } : { anyKey: false, key: options.key };
}

/**
 * The facade over the pool actor: it validates calls, turns them into
 * events, and settles promises from the events the actor emits. Counts and
 * queues live in the actors only.
 */
class ActorPool<K> implements Pool<K> {
  readonly actor: PoolActorRef;
  readonly signal: AbortSignal;
  readonly done: Promise<void>;

  readonly #actor: Actor<typeof poolMachine>;
  readonly #stopController = new AbortController();
  readonly #stopReason = new PoolStoppedError();
  readonly #pending = new Map<number, Settler<K>>();
  readonly #drainWaiters: Array<() => void> = [];
  /** The controllers of the lease signals that were read, by lease id, while their leases are out. */
  readonly #watched = new Map<number, AbortController>();
  /** Revocations the actor decided in the event being sent, aborted once it has returned. */
  readonly #revoked: LeasesRevokedEmitted[] = [];
  readonly #leaseOwner: LeaseOwner = {
    settle: (leaseId) => this.#send({ type: 'lease.release', leaseId }),
    windDownReason: (leaseId, key) => this.#windDownReason(leaseId, key),
    watch: (leaseId, controller) => this.#watched.set(leaseId, controller),
    unwatch: (leaseId) => this.#watched.delete(leaseId),
  };
  #stopped = false;
  #nextRequestId = 1;
  #resolveDone: () => void = noop;
  #unlistenParent: () => void = noop;

  constructor(options: CreatePoolOptions) {
    this.#actor = createActor(poolMachine, options.inspect ? { inspect: guardInspect(options.inspect) } : {});
    this.actor = this.#actor;
    this.signal = this.#stopController.signal;
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    this.#actor.on('lease.granted', (event) => this.#onGranted(event));
    this.#actor.on('leases.revoked', (event) => this.#revoked.push(event));
    this.#actor.on('pool.drained', () => this.#onDrained());
    this.#actor.on('pool.stopped', (event) => this.#onStopped(event));
    this.#actor.start();

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
    let read: AcquireOptions<K>;
    try {
      read = readAcquireOptions<K>(options, 'acquire');
    } catch (error) {
      return Promise.reject(error);
    }
    const { signal } = read;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.stopped) return Promise.reject(new PoolStoppedError());

    const requestId = this.#nextRequestId++;
    return new Promise<Lease<K>>((resolve, reject) => {
      let unlisten = noop;
      if (signal) {
        const onAbort = () => {
          // Only a request still pending is withdrawn; one already granted keeps its lease.
          if (!this.#pending.delete(requestId)) return;
          this.#actor.send({ type: 'request.cancel', requestId });
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        unlisten = () => signal.removeEventListener('abort', onAbort);
      }
      this.#pending.set(requestId, { resolve, reject, unlisten });
      this.#actor.send({ type: 'lease.request', requestId, ...wantOf(read) });
    });
  }

  tryAcquire(options?: TryAcquireOptions<K>): Lease<K> | undefined {
    assertOptions(options, 'tryAcquire', ['key']);
    if (this.stopped) return undefined;
    const requestId = this.#nextRequestId++;
    let granted: Lease<K> | undefined;
    this.#pending.set(requestId, {
      resolve: (lease) => {
        granted = lease;
      },
      reject: noop,
      unlisten: noop,
    });
    this.#actor.send({ type: 'lease.try', requestId, ...wantOf((options ?? {}) as TryAcquireOptions<K>) });
    this.#pending.delete(requestId);
    return granted;
  }

  leases(options?: AcquireOptions<K>): AsyncIterableIterator<Lease<K>, undefined> {
    return leaseIterator((o) => this.acquire(o), readAcquireOptions<K>(options, 'leases'));
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
   * Sends `event` to the actor, then aborts the signals of the leases it
   * revoked: after the actor has returned, so that the holders' listeners
   * may call back into the pool and see it settled.
   */
  #send(event: Parameters<Actor<typeof poolMachine>['send']>[0]): void {
    this.#actor.send(event);
    if (this.#revoked.length > 0) this.#abortRevoked();
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

  #onGranted({ requestId, leaseId, key }: LeaseGrantedEmitted): void {
    const lease = new PoolLease<K>(leaseId, key as K, this.#leaseOwner);
    const pending = this.#pending.get(requestId);
    if (!pending) {
      // Its signal aborted while the grant was being decided: give it back (SPEC S7).
      lease.release();
      return;
    }
    this.#pending.delete(requestId);
    pending.unlisten();
    pending.resolve(lease);
  }

  #onDrained(): void {
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }

  #onStopped({ dropped }: PoolStoppedEmitted): void {
    for (const requestId of dropped) {
      const pending = this.#pending.get(requestId);
      if (!pending) continue;
      this.#pending.delete(requestId);
      pending.unlisten();
      pending.reject(new PoolStoppedError());
    }
  }
}

/**
 * Creates a keyed lease pool (Go's `NewPool`). The pool is an XState actor
 * with one child actor per key; see {@link Pool} for what each call
 * promises. `K` is the type of the keys.
 *
 * @throws {TypeError} if `options` is not an object, has an unknown option,
 * `signal` is not an `AbortSignal` or `inspect` is neither a function nor an
 * observer object.
 */
export function createPool<K = unknown>(options?: CreatePoolOptions): Pool<K> {
  const raw: unknown = options;
  assertOptions(raw, 'createPool', ['signal', 'inspect']);
  assertSignal(raw?.signal);
  const inspect = raw?.inspect;
  if (inspect !== undefined && typeof inspect !== 'function' && (typeof inspect !== 'object' || inspect === null)) {
    assertFunction(inspect, 'inspect');
  }
  return new ActorPool<K>(options ?? {});
}
