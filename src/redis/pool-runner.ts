import { adaptClient, type RedisAdapter } from './client-adapter.js';
import { keysOfTag, poolTag } from './redis-keys.js';
import {
  type AcquireReply,
  type HeldLease,
  type Notice,
  ScriptRunner,
  type SeenCounts,
  type TryReply,
} from './script-runner.js';
import { shardOf, shardTag } from './shards.js';

/** What one heartbeat round over every shard found. */
export type PoolHeartbeat =
  | {
      readonly status: 'ok';
      readonly leases: readonly HeldLease[];
      /** This member's waiting requests, each with the shard it waits in. */
      readonly waiting: ReadonlyMap<number, number>;
      /** The last lease id of each shard, index = shard (D11: below one already seen, Redis lost writes). */
      readonly lastLeases: readonly number[];
    }
  | { readonly status: 'gone' };

/**
 * Runs one member's calls on the pool's shards (D9): a key's calls on its
 * shard, a lease's on the shard its id names (ids of shard i of n are i
 * modulo n), membership on every shard and on the home keys where the
 * pool's number of shards is recorded. With one shard it is one
 * {@link ScriptRunner} on the layout of D1–D8.
 */
export class PoolRunner {
  readonly adapter: RedisAdapter;
  /** The member process's id: its channels' name, the same in every incarnation. */
  readonly process: string;
  /** The runner of each shard, index = shard. */
  readonly shards: readonly ScriptRunner[];
  /** Where the pool's shards are recorded and checked: shard 0 of a one-shard pool, else keys of their own. */
  readonly home: ScriptRunner;
  /** Every runner this member is a member through: the home keys (when they are not shard 0), then the shards. */
  readonly #everywhere: readonly ScriptRunner[];
  #member: string;

  constructor(
    client: unknown,
    prefix: string,
    name: string,
    process: string,
    defaultTarget: number | undefined,
    shards: number,
  ) {
    const home = poolTag(prefix, name);
    this.adapter = adaptClient(client);
    this.process = process;
    this.#member = process;
    // The runner whose join records and checks the pool's shards: shard 0 of a one-shard pool, else the home
    // keys of their own; a shard of a sharded pool records nothing, its tag says what it is.
    const runner = (tag: string, records: boolean) =>
      new ScriptRunner(client, keysOfTag(tag), process, defaultTarget, records ? shards : undefined, this.adapter);
    this.shards = Array.from({ length: shards }, (_, i) => runner(shardTag(home, i, shards), shards === 1));
    this.home = shards === 1 ? (this.shards[0] as ScriptRunner) : runner(home, true);
    this.#everywhere = shards === 1 ? this.shards : [this.home, ...this.shards];
  }

  /**
   * The member id calls are sent as: the process's id, then `<process
   * id>/<n>` after its n-th rejoin, on every shard alike.
   */
  get member(): string {
    return this.#member;
  }

  set member(member: string) {
    this.#member = member;
    for (const runner of this.#everywhere) runner.member = member;
  }

  /** Where notices carried in replies go, in order, before the call resolves. */
  set onNotice(listener: (notice: Notice) => void) {
    for (const runner of this.#everywhere) runner.onNotice = listener;
  }

  /** The shard of `key` (D9); any-key requests, which only a one-shard pool takes, go to shard 0. */
  shardOfKey(key: string | undefined): number {
    return key === undefined ? 0 : shardOf(key, this.shards.length);
  }

  /** The runner of `key`'s shard. */
  forKey(key: string | undefined): ScriptRunner {
    return this.shards[this.shardOfKey(key)] as ScriptRunner;
  }

  /** The shard lease `lease` was granted in. */
  shardOfLease(lease: number): number {
    return lease % this.shards.length;
  }

  /**
   * Joins the home keys (which check `defaultTarget` and the shards, D9,
   * D10), then every shard; resolves with each shard's last lease id.
   */
  async join(ttl: number): Promise<number[]> {
    if (this.home !== this.shards[0]) await this.home.join(ttl);
    return Promise.all(this.shards.map((runner) => runner.join(ttl)));
  }

  /**
   * Extends membership everywhere by `ttl` ms, all calls sent at once (one
   * round trip per master); lists this member's leases and waiters of every
   * shard, or says it is no member of one of them.
   */
  async heartbeat(ttl: number): Promise<PoolHeartbeat> {
    const settled = await Promise.allSettled(this.#everywhere.map((runner) => runner.heartbeat(ttl)));
    // A shard that no longer knows this member says more than another that could not be reached.
    if (settled.some((result) => result.status === 'fulfilled' && result.value.status === 'gone')) {
      return { status: 'gone' };
    }
    const replies = settled.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    });
    const leases: HeldLease[] = [];
    const waiting = new Map<number, number>();
    const lastLeases: number[] = [];
    const shardReplies = this.home === this.shards[0] ? replies : replies.slice(1);
    shardReplies.forEach((reply, shard) => {
      if (reply.status !== 'ok') return;
      leases.push(...reply.leases);
      for (const request of reply.waiting) waiting.set(request, shard);
      lastLeases.push(reply.lastLease);
    });
    return { status: 'ok', leases, waiting, lastLeases };
  }

  /** Sets `key`'s target; resolves with its counts after, or undefined if this member is gone. */
  set(key: string, target: number): Promise<SeenCounts | undefined> {
    return this.forKey(key).set(key, target);
  }

  /** `key`'s fleet-wide counts. */
  get(key: string): Promise<SeenCounts> {
    return this.forKey(key).get(key);
  }

  /** Every group's counts: shard by shard, each shard's in the order its groups were created. */
  async groups(): Promise<SeenCounts[]> {
    return (await Promise.all(this.shards.map((runner) => runner.groups()))).flat();
  }

  /** The fleet-wide number of waiting requests: all (the sum over the shards), or those that asked for `key`. */
  async waiting(key: string | undefined): Promise<number> {
    if (key !== undefined) return this.forKey(key).waiting(key);
    const counts = await Promise.all(this.shards.map((runner) => runner.waiting(undefined)));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /** Asks for a lease for `request` on its key's shard: granted now or queued. */
  acquire(request: number, key: string | undefined): Promise<AcquireReply> {
    return this.forKey(key).acquire(request, key);
  }

  /** A lease for `request` now, if its key's shard can grant one without passing over an older waiter. */
  try(request: number, key: string | undefined): Promise<TryReply> {
    return this.forKey(key).try(request, key);
  }

  /** Gives lease `lease` back to its shard; resolves with its key's counts after, or undefined if it was not out. */
  release(lease: number): Promise<SeenCounts | undefined> {
    return (this.shards[this.shardOfLease(lease)] as ScriptRunner).release(lease);
  }

  /** Withdraws waiting request `request` from shard `shard`; false if it was not waiting there. */
  cancel(request: number, shard: number): Promise<boolean> {
    return (this.shards[shard] as ScriptRunner).cancel(request);
  }

  /**
   * Withdraws every waiter of incarnation `member` (this one by default) in
   * every shard; `final` also gives back its leases and ends its membership
   * everywhere. Rejects if any shard's call failed (those that went through
   * stay done).
   */
  async leave(final: boolean, member = this.member): Promise<void> {
    await Promise.all(this.#everywhere.map((runner) => runner.leave(final, member)));
  }
}
