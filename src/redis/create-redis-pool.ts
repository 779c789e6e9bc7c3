import { type Actor, createActor } from 'xstate';
import { PoolStoppedError } from '../api/errors.js';
import { deliveredOnMicrotask } from '../api/inspect-guard.js';
import { leaseIterator } from '../api/lease-iterator.js';
import type { WaitingOptions } from '../api/options.js';
import type { Counts } from '../api/pool.js';
import { assertFunction, assertOptions, assertTarget } from '../api/validate.js';
import type { MeterSource } from '../metrics/meter-source.js';
import { meterSourceKey } from '../metrics/meter-source-key.js';
import type { Subscription } from './client-adapter.js';
import { GrantConfirmations } from './grant-confirmations.js';
import { MemberLink } from './member-link.js';
import { type MemberActorRef, memberMachine } from './member-machine.js';
import { memberMeterSource } from './member-meter-source.js';
import { PoolRunner } from './pool-runner.js';
import type {
  CreateRedisPoolOptions,
  RedisAcquireOptions,
  RedisLease,
  RedisPool,
  RedisTryAcquireOptions,
} from './redis-pool.js';
import { assertScriptCommands } from './script-commands-check.js';
import { type Notice, parseNotice, type SeenCounts } from './script-runner.js';
import { assertStringKey, readAcquireOptions, readRedisPoolOptions } from './validate-options.js';

/**
 * The facade of one member: it validates calls, translates them into
 * events of the member actor (or runs the script of a call that holds no
 * state: set, get, keys), and settles promises. Connection life, heartbeat,
 * every pending request and every lease live in the member's actor system.
 */
const noop = () => {};

class RedisMemberPool<K extends string> implements RedisPool<K> {
  readonly member: string;
  readonly signal: AbortSignal;
  readonly done: Promise<void>;
  readonly actor: MemberActorRef;

  readonly #actor: Actor<typeof memberMachine>;
  readonly #link: MemberLink;
  readonly #runner: PoolRunner;
  readonly #confirm: { readonly replicas: number; readonly timeout: number };
  readonly #stopController: AbortController;
  readonly #joinWaiters: Array<() => void> = [];
  #subscription: Subscription | undefined;
  #withdrawn: Promise<void> | undefined;
  #resolveWithdrawn: () => void = noop;
  #resolveDone: () => void = noop;
  #unlistenParent: () => void = noop;

  constructor(
    options: CreateRedisPoolOptions,
    runner: PoolRunner,
    leaseTtl: number,
    confirm: { readonly replicas: number; readonly timeout: number },
  ) {
    this.member = runner.process;
    this.#runner = runner;
    this.#confirm = confirm;
    this.#stopController = new AbortController();
    this.signal = this.#stopController.signal;
    this.#link = new MemberLink(runner, leaseTtl, this.signal);
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    this.#actor = createActor(memberMachine, {
      input: { member: this.member, leaseTtl, link: this.#link },
      ...(options.inspect ? { inspect: deliveredOnMicrotask(options.inspect) } : {}),
    });
    this.actor = this.#actor as unknown as MemberActorRef;
    this.#link.observe = (counts) => this.#observe(counts);
    runner.onNotice = (notice) => this.#notice(notice);
    this.#actor.on('member.joined', () => {
      for (const resolve of this.#joinWaiters.splice(0)) resolve();
    });
    this.#actor.on('request.requested', ({ ticket, key }) => this.#link.events.requested(ticket, key));
    this.#actor.on('requests.stopped', ({ tickets }) => this.#link.events.stopped(tickets));
    this.#actor.on('member.withdrawn', () => this.#resolveWithdrawn());
    this.#actor.on('member.stopped', () => void this.#closed());

    const parent = options.signal;
    if (parent) {
      const stop = () => void this.stop();
      parent.addEventListener('abort', stop, { once: true });
      this.#unlistenParent = () => parent.removeEventListener('abort', stop);
    }
  }

  /** Subscribes, then joins; rejects (leaving nothing open) if either fails. */
  async start(): Promise<void> {
    if (this.#confirm.replicas > 0) {
      const confirmer = await this.#runner.adapter.openConfirmer();
      const metas = this.#runner.shards.map((shard) => shard.keys.fixed[4] as string);
      this.#link.confirmations = new GrantConfirmations(
        confirmer,
        metas,
        this.#confirm.replicas,
        this.#confirm.timeout,
      );
    }
    try {
      const { shards } = this.#runner;
      // A sharded pool's notices stay on each shard's master (D9): sharded pub/sub.
      this.#subscription = await this.#runner.adapter.subscribe(
        shards.map((shard) => shard.keys.channel(this.member)),
        (message) => {
          const notice = parseNotice(message);
          if (notice) this.#notice(notice);
        },
        shards.length > 1,
      );
    } catch (error) {
      await this.#link.confirmations?.close();
      throw error;
    }
    const joined = new Promise<void>((resolve, reject) => {
      const sub = this.#actor.subscribe({
        next: (snapshot) => {
          if (snapshot.matches('live')) {
            sub.unsubscribe();
            resolve();
          } else if (snapshot.status === 'done') {
            sub.unsubscribe();
            reject(snapshot.context.joinError);
          }
        },
      });
    });
    this.#actor.start();
    try {
      await joined;
    } catch (error) {
      await this.#subscription.close();
      await this.#link.confirmations?.close();
      throw error;
    }
  }

  get stopped(): boolean {
    return this.#stopController.signal.aborted;
  }

  // ---- calls -------------------------------------------------------------

  async set(key: K, target: number): Promise<void> {
    assertStringKey(key);
    assertTarget(target);
    if (this.stopped) throw new PoolStoppedError('Cannot set the target of a stopped pool');
    for (;;) {
      const sentAs = this.#runner.member;
      const counts = await this.#runner.set(key, target);
      if (counts) {
        this.#observe(counts);
        return;
      }
      await this.#rejoined(sentAs);
      if (this.stopped) throw new PoolStoppedError('Cannot set the target of a stopped pool');
    }
  }

  async get(key: K): Promise<Counts> {
    assertStringKey(key);
    const counts = await this.#runner.get(key);
    this.#observe(counts);
    return { target: counts.target, active: counts.active };
  }

  async waiting(options?: WaitingOptions<K>): Promise<number> {
    const raw: unknown = options;
    assertOptions(raw, 'waiting', ['key']);
    const key = raw?.key;
    if (key !== undefined) assertStringKey(key);
    return this.#runner.waiting(key);
  }

  async keys(): Promise<K[]> {
    const groups = await this.#runner.groups();
    for (const counts of groups) this.#observe(counts);
    return groups.map((counts) => counts.key as K);
  }

  acquire(options?: RedisAcquireOptions<K>): Promise<RedisLease<K>> {
    let read: RedisAcquireOptions<K>;
    try {
      read = readAcquireOptions<K>(options, 'acquire');
      this.#assertKeyed(read.key, 'acquire');
    } catch (error) {
      return Promise.reject(error);
    }
    const { signal } = read;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.stopped) return Promise.reject(new PoolStoppedError());
    return new Promise<RedisLease<K>>((resolve, reject) => {
      const settle = { resolve: resolve as (lease: RedisLease<string> | undefined) => void, reject };
      this.#actor.send({ type: 'request.start', mode: 'acquire', key: read.key, signal, settle });
    });
  }

  async tryAcquire(options?: RedisTryAcquireOptions<K>): Promise<RedisLease<K> | undefined> {
    const raw: unknown = options;
    assertOptions(raw, 'tryAcquire', ['key']);
    const key = raw?.key;
    if (key !== undefined) assertStringKey(key);
    this.#assertKeyed(key, 'tryAcquire');
    if (this.stopped) return undefined;
    return new Promise<RedisLease<K> | undefined>((resolve, reject) => {
      const settle = { resolve: resolve as (lease: RedisLease<string> | undefined) => void, reject };
      this.#actor.send({ type: 'request.start', mode: 'try', key, signal: undefined, settle });
    });
  }

  leases(options?: RedisAcquireOptions<K>): AsyncIterableIterator<RedisLease<K>, undefined> {
    // Ends quietly on this member's stop only; another pool's PoolStoppedError is thrown.
    const isStop = (error: unknown) => error instanceof PoolStoppedError && this.stopped;
    const read = readAcquireOptions<K>(options, 'leases');
    this.#assertKeyed(read.key, 'leases');
    return leaseIterator((o) => this.acquire(o as RedisAcquireOptions<K>), read, isStop);
  }

  async run<T>(fn: (lease: RedisLease<K>) => T | PromiseLike<T>, options?: RedisAcquireOptions<K>): Promise<T> {
    assertFunction(fn, 'fn');
    const lease = await this.acquire(options);
    try {
      return await fn(lease);
    } finally {
      await lease.release();
    }
  }

  stop(): Promise<void> {
    if (this.#withdrawn) return this.#withdrawn;
    this.#withdrawn = new Promise((resolve) => {
      this.#resolveWithdrawn = resolve;
    });
    this.#unlistenParent();
    this.#stopController.abort(new PoolStoppedError());
    this.#actor.send({ type: 'member.stop' });
    if (this.#actor.getSnapshot().status === 'done') this.#resolveWithdrawn();
    void this.#withdrawn.then(() => this.drained()).then(() => this.#actor.send({ type: 'member.leave' }));
    return this.#withdrawn;
  }

  drained(): Promise<void> {
    return this.#actor.getSnapshot().context.requests.whenDrained();
  }

  /**
   * Throws a `TypeError` for an any-key request on a sharded pool (D9): it
   * would need one rotation over every key, which lives in no one shard.
   */
  #assertKeyed(key: string | undefined, call: string): void {
    const shards = this.#runner.shards.length;
    if (key !== undefined || shards === 1) return;
    throw new TypeError(
      `Expected \`key\` in \`${call}\` of a pool of ${shards} shards, got undefined: ` +
        'any-key requests need one rotation over every key, which only a pool of one shard has',
    );
  }

  /** A notice, from a reply or the channel alike; one that comes after the member stopped says nothing. */
  #notice(notice: Notice): void {
    if (this.#actor.getSnapshot().status === 'active') this.#actor.send({ type: 'notice.received', notice });
  }

  /** Shows a reply's counts on the member's group child; counts it already shows need no step of the member. */
  #observe(counts: SeenCounts): void {
    const snapshot = this.#actor.getSnapshot();
    if (snapshot.status !== 'active' || snapshot.context.groups.shows(counts)) return;
    this.#actor.send({ type: 'counts.seen', key: counts.key, target: counts.target, active: counts.active });
  }

  /**
   * Resolves once this member has joined as an incarnation other than
   * `sentAs`, which Redis said it does not know: asks for a rejoin unless
   * one has started since.
   */
  #rejoined(sentAs: string): Promise<void> {
    if (this.#link.isRetired(sentAs) && this.#link.isJoined()) return Promise.resolve();
    const wait = new Promise<void>((resolve) => this.#joinWaiters.push(resolve));
    if (!this.#link.isRetired(sentAs)) this.#actor.send({ type: 'member.gone' });
    return wait;
  }

  /** This member for `instrumentPool` (xstate-workpool/metrics). */
  [meterSourceKey](): MeterSource {
    const requests = this.#actor.getSnapshot().context.requests;
    return memberMeterSource(this.actor, () => requests.waitingKeys(), this.#link.events);
  }

  async #closed(): Promise<void> {
    await this.#subscription?.close();
    await this.#link.confirmations?.close();
    this.#resolveDone();
  }
}

/**
 * Opens this process's member of the Redis pool `name`:
 * subscribes to its notification channel on a connection of its own, joins,
 * and heartbeats every `leaseTtl / 3` until stopped. Every member with the
 * same `name` and `prefix` shares one pool: targets, FIFO, round-robin and
 * lease ids hold fleet-wide.
 *
 * Rejects with a `TypeError` or `RangeError` for bad options (naming the
 * option and value), and with a `RedisPoolError` (its `cause` the client's
 * error) when Redis cannot be reached or its user lacks a command the pool
 * needs (EVAL and EVALSHA included, whatever Redis has cached).
 */
export async function createRedisPool<K extends string = string>(
  options: CreateRedisPoolOptions,
): Promise<RedisPool<K>> {
  const { opts, prefix, leaseTtl, confirmReplicas, confirmTimeout, defaultTarget, shards } =
    readRedisPoolOptions(options);
  const member = globalThis.crypto.randomUUID();
  const runner = new PoolRunner(opts.redis, prefix, opts.name, member, defaultTarget, shards);
  await assertScriptCommands(runner.adapter, runner.home.keys.fixed);
  const pool = new RedisMemberPool<K>(opts, runner, leaseTtl, { replicas: confirmReplicas, timeout: confirmTimeout });
  await pool.start();
  if (opts.signal?.aborted) await pool.stop();
  return pool;
}
