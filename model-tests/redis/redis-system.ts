import type { createRedisPool, RedisLease, RedisPool } from '../../src/redis/index.js';
import { poolKeys } from '../../src/redis/redis-keys.js';
import { shardOf, shardTag } from '../../src/redis/shards.js';
import type { Outcome, Want } from '../model.js';
import { AbortReason } from '../system.js';

/** A connected client of either kind, as `createRedisPool` takes it, with a round trip on its connection. */
export interface ModelClient {
  readonly redis: Parameters<typeof createRedisPool>[0]['redis'];
  /** One round trip on this client's connection: Redis answers it after everything sent before. */
  ping(): Promise<unknown>;
  /** Sends one raw command on this client's connection (the test's own look at Redis, as an operator's). */
  command(args: readonly string[]): Promise<unknown>;
}

/** The options every member of a model run's pool is created with. */
export interface RedisPoolOptions {
  readonly leaseTtl?: number | undefined;
  readonly defaultTarget?: number | undefined;
  /** D9: with more than 1, stories hold keyed requests only (a sharded pool refuses any-key ones). */
  readonly shards?: number | undefined;
}

/** One `acquire()` or `drained()` the test made. */
export interface RedisRequest {
  readonly request: number;
  readonly member: number;
  readonly want: Want | undefined;
  readonly controller: AbortController | undefined;
  /** The test's event count when it was asked: a lease that reached the test before then was granted before any grant to this request, so its id is lower (D1, D11). */
  readonly askedAt: number;
  settled: boolean;
}

/** A lease delivered to the test, with the member that got it. */
export interface DeliveredLease {
  readonly lease: RedisLease<string>;
  readonly member: number;
  /** The test's event count when its request was asked, and when the lease reached the test. */
  readonly askedAt: number;
  readonly deliveredAt: number;
  released: boolean;
}

let runs = 0;

/**
 * The members of one Redis pool under test (all in this process, each on
 * its own client) and what the test saw of them: every request and how it
 * settled, in settle order, and every lease delivered.
 */
export class RedisSystem {
  readonly log: Outcome[] = [];
  readonly strangeErrors: unknown[] = [];
  readonly requests: RedisRequest[] = [];
  readonly delivered: DeliveredLease[] = [];
  /** Model lease id → the real lease id it was delivered as. */
  readonly idOf = new Map<number, number>();
  /** How far `log` the comparison has read. */
  logRead = 0;
  /** The pool's home hash tag (`{workpool:<name>}`): with one shard, every Redis key of the pool starts with it. */
  readonly tag: string;
  /** Every hash tag the pool's Redis keys start with: each shard's, then (with several shards) the home one (D9). */
  readonly tags: readonly string[];
  #listeners = new Set<() => void>();
  #events = 0;

  private constructor(
    readonly members: RedisPool<string>[],
    readonly clients: readonly ModelClient[],
    readonly name: string,
    readonly leaseTtl: number,
    readonly shards: number,
  ) {
    this.tag = poolKeys('workpool', name).tag;
    const shardTags = Array.from({ length: shards }, (_, i) => shardTag(this.tag, i, shards));
    this.tags = shards === 1 ? shardTags : [...shardTags, this.tag];
  }

  /** The hash tag of `key`'s shard (D9). */
  tagOf(key: string): string {
    return shardTag(this.tag, this.shardOfKey(key), this.shards);
  }

  /** The shard of `key` (D9). */
  shardOfKey(key: string): number {
    return shardOf(key, this.shards);
  }

  /** The shard a lease id was granted in (D9: ids of shard i of n are i modulo n). */
  shardOfLease(id: number): number {
    return id % this.shards;
  }

  /**
   * A fresh pool (a name no run used) with one member per client, made by
   * `create` (`createRedisPool`), all with `options.defaultTarget` and
   * `options.shards` (default 1); `leaseTtl` 10 s unless asked (no heartbeat
   * then comes near a story's comparisons).
   */
  static async create(
    clients: readonly ModelClient[],
    create: typeof createRedisPool,
    options: RedisPoolOptions = {},
  ): Promise<RedisSystem> {
    const name = `model-${process.pid}-${runs++}`;
    const members: RedisPool<string>[] = [];
    const { leaseTtl = 10_000, defaultTarget, shards = 1 } = options;
    for (const client of clients) {
      members.push(await create<string>({ redis: client.redis, name, leaseTtl, defaultTarget, shards }));
    }
    return new RedisSystem(members, clients, name, leaseTtl, shards);
  }

  /** The next number of the test's own event count (requests asked, leases delivered), in the order they happen. */
  event(): number {
    return this.#events++;
  }

  /** Connections the test may use for its own commands (an operator's look at Redis): member 0's. */
  get probe(): ModelClient {
    return this.clients[0] as ModelClient;
  }

  /** The member incarnation member `i` sends its calls as now (`<process id>`, then `<process id>/<n>`). */
  incarnation(i: number): string {
    return this.member(i).actor.getSnapshot().context.link.runner.member;
  }

  /** How many joins member `i` has been through (the first included). */
  joins(i: number): number {
    return this.member(i).actor.getSnapshot().context.link.joins;
  }

  /**
   * Whether member `i` has joined more than `joinsBefore` times, is live,
   * and has every request of its own on its way no more: each is queued in
   * Redis, holds its lease, or has ended (none sending, parked or withdrawing).
   */
  rejoinedSince(i: number, joinsBefore: number): boolean {
    const snapshot = this.member(i).actor.getSnapshot();
    const { link, requests } = snapshot.context;
    if (!snapshot.matches('live') || link.joins <= joinsBefore || !link.isJoined()) return false;
    for (const ref of requests.all) {
      const state = (ref.getSnapshot() as unknown as { value: unknown }).value;
      if (state === 'sending' || state === 'parked' || state === 'withdrawing') return false;
    }
    return true;
  }

  member(i: number): RedisPool<string> {
    const m = this.members[i];
    if (!m) throw new Error(`no member ${i}`);
    return m;
  }

  #record(outcome: Outcome): void {
    this.log.push(outcome);
    for (const listener of [...this.#listeners]) listener();
  }

  /** Resolves once `log` holds `count` outcomes, or after `timeoutMs` (the comparison then says what is missing). */
  waitForLog(count: number, timeoutMs: number): Promise<void> {
    if (this.log.length >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        resolve();
      };
      const check = () => {
        if (this.log.length >= count) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#listeners.add(check);
    });
  }

  /**
   * Resolves once everything member `i` sent to Redis so far has been run
   * there: a macrotask lets the member's pending calls reach its client,
   * then a PING on the same connection comes back after them.
   */
  async barrier(i: number): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    await this.clients[i]?.ping();
  }

  acquire(member: number, want: Want, signal: 'none' | 'live' | 'aborted'): RedisRequest {
    const controller = signal === 'none' ? undefined : new AbortController();
    if (signal === 'aborted') controller?.abort(new AbortReason(this.requests.length));
    const entry: RedisRequest = {
      request: this.requests.length,
      member,
      want,
      controller,
      askedAt: this.event(),
      settled: false,
    };
    this.requests.push(entry);
    const options = {
      ...(want.any ? {} : { key: want.key as string }),
      ...(controller ? { signal: controller.signal } : {}),
    };
    this.member(member)
      .acquire(options)
      .then(
        (lease) => {
          entry.settled = true;
          this.delivered.push({ lease, member, askedAt: entry.askedAt, deliveredAt: this.event(), released: false });
          this.#record({ request: entry.request, kind: 'lease', leaseId: lease.id, key: lease.key });
        },
        (error: unknown) => {
          entry.settled = true;
          if (controller && error === controller.signal.reason)
            this.#record({ request: entry.request, kind: 'aborted' });
          else if (error instanceof Error && error.name === 'PoolStoppedError') {
            this.#record({ request: entry.request, kind: 'stopped' });
          } else this.strangeErrors.push(error);
        },
      );
    return entry;
  }

  drained(member: number): RedisRequest {
    const entry: RedisRequest = {
      request: this.requests.length,
      member,
      want: undefined,
      controller: undefined,
      askedAt: this.event(),
      settled: false,
    };
    this.requests.push(entry);
    this.member(member)
      .drained()
      .then(
        () => {
          entry.settled = true;
          this.#record({ request: entry.request, kind: 'drained' });
        },
        (error: unknown) => this.strangeErrors.push(error),
      );
    return entry;
  }

  async tryAcquire(member: number, want: Want): Promise<RedisLease<string> | undefined> {
    const askedAt = this.event();
    const lease = await this.member(member).tryAcquire(want.any ? {} : { key: want.key as string });
    if (lease) this.delivered.push({ lease, member, askedAt, deliveredAt: this.event(), released: false });
    return lease;
  }

  pendingAcquires(): RedisRequest[] {
    return this.requests.filter((r) => r.want !== undefined && !r.settled);
  }

  /** Indexes of the members not stopped. */
  live(): number[] {
    return this.members.flatMap((m, i) => (m.stopped ? [] : [i]));
  }

  /** Stops every member and gives every lease back, so a run leaves nothing behind in Redis. */
  async dispose(): Promise<void> {
    const stops = this.members.map((m) => m.stop().catch(() => undefined));
    for (let guard = 0; guard < 100; guard++) {
      const held = this.delivered.filter((d) => !d.released);
      if (held.length === 0) break;
      for (const d of held) d.released = true;
      await Promise.all(held.map((d) => d.lease.release().catch(() => undefined)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(stops);
  }
}

export { AbortReason };
