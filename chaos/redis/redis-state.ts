import type { Cluster, Redis as IORedis } from 'ioredis';
import { poolTag } from '../../src/redis/redis-keys.js';
import { shardOf, shardTag } from '../../src/redis/shards.js';
import type { Violation } from './check.js';
import { now } from './events.js';
import type { SeenLease } from './unlogged.js';

/**
 * Reads, in one atomic script, one shard's groups, its last lease id, every
 * member with its leases there, and each of its keys' unrevoked leases
 * (ARGV: the shard's tag, then its keys). Read-only. KEYS[1], the shard's
 * meta hash, only routes the call to the shard's master on a Cluster.
 */
const snapshotScript = `
local P = ARGV[1]
local groups = redis.call('HGETALL', P .. 'groups')
local members = redis.call('ZRANGE', P .. 'members', 0, -1)
local held = {}
for _, m in ipairs(members) do held[#held + 1] = { m, redis.call('HGETALL', P .. 'ml:' .. m) } end
local unrevoked = {}
for i = 2, #ARGV do unrevoked[#unrevoked + 1] = redis.call('ZCARD', P .. 'l:' .. ARGV[i]) end
return { redis.call('HGET', P .. 'meta', 'lease') or '0', groups, held, unrevoked }
`;

/** What the snapshots of a run found. */
export interface StateFindings {
  snapshots: number;
  /** Lease id → its key, holder and when it was seen, for every lease any snapshot saw. */
  readonly seen: Map<number, SeenLease>;
  readonly violations: Violation[];
  /** The highest last lease id of any shard (a shard's own is in {@link lastLeaseIds}). */
  lastLeaseId: number;
  /** Each shard's last lease id, index = shard. */
  readonly lastLeaseIds: number[];
  /** The highest count of leases (revoked ones included) over a key's target seen, i.e. draining. */
  drainingSeen: number;
}

/** One shard as the snapshots read it: its tag and the run's keys that live there. */
interface ShardView {
  readonly index: number;
  readonly tag: string;
  readonly keys: readonly string[];
}

/**
 * Takes snapshots of the pool `name` of `keys`, spread over `shards`
 * shards (D9), and checks Redis' own invariants in each shard.
 */
export class RedisStateChecker {
  readonly findings: StateFindings = {
    snapshots: 0,
    seen: new Map(),
    violations: [],
    lastLeaseId: 0,
    lastLeaseIds: [],
    drainingSeen: 0,
  };
  readonly #shards: readonly ShardView[];
  /** When the previous snapshot was sent. */
  #lastSentAt = Number.NEGATIVE_INFINITY;
  /** Kill times of the failovers so far (`--sentinel`). */
  readonly #kills: number[] = [];

  constructor(
    readonly redis: IORedis | Cluster,
    name: string,
    readonly keys: readonly string[],
    readonly shards = 1,
  ) {
    const home = poolTag('workpool', name);
    this.#shards = Array.from({ length: shards }, (_, index) => ({
      index,
      tag: shardTag(home, index, shards),
      keys: keys.filter((key) => shardOf(key, shards) === index),
    }));
  }

  /**
   * Tells the checker that the primary is killed at `t` (call it before the
   * kill): the new primary's last lease id may be below what the old one
   * had handed out (a lagging replica; D11 only promises that new ids are
   * above every id granted, which the logs check), so the first snapshot
   * after a kill may see it lower.
   */
  failingOver(t: number): void {
    this.#kills.push(t);
  }

  /**
   * One snapshot, shard by shard (each shard's read is atomic, the shards'
   * are not taken at one instant; every invariant checked is a shard's
   * own): each key's unrevoked leases are at most its target (the
   * over-target rest is revoked, draining); its active count equals the
   * leases its members hold; lease ids are unique pool-wide, at most their
   * shard's last id handed out, which never goes down, and ≡ their shard
   * modulo the shards (D9); a lease keeps its key, and its key lives in its
   * shard.
   */
  async snapshot(): Promise<void> {
    const sentAt = now();
    const previousSentAt = this.#lastSentAt;
    this.#lastSentAt = sentAt;
    // A snapshot that was sent before a kill read the old primary; one sent after may read the new one.
    const failedOver = this.#kills.some((kill) => kill > previousSentAt);
    const replies = await Promise.all(
      this.#shards.map(
        (shard) =>
          this.redis.eval(snapshotScript, 1, `${shard.tag}meta`, shard.tag, ...shard.keys) as Promise<
            [string, string[], [string, string[]][], number[]]
          >,
      ),
    );
    const t = now();
    const f = this.findings;
    f.snapshots++;
    const ids = new Set<number>();
    replies.forEach((reply, i) => {
      this.#checkShard(this.#shards[i] as ShardView, reply, t, failedOver, ids);
    });
  }

  #checkShard(
    shard: ShardView,
    [last, groupsFlat, held, unrevoked]: [string, string[], [string, string[]][], number[]],
    t: number,
    failedOver: boolean,
    ids: Set<number>,
  ): void {
    const f = this.findings;
    const where = this.shards === 1 ? '' : ` (shard ${shard.index})`;
    const bad = (detail: string) => f.violations.push({ rule: 'redis state', detail: detail + where });
    const lastId = Number(last);
    const before = f.lastLeaseIds[shard.index] ?? 0;
    if (lastId < before && !failedOver) bad(`last lease id went down from ${before} to ${lastId}`);
    f.lastLeaseIds[shard.index] = lastId;
    f.lastLeaseId = Math.max(0, ...f.lastLeaseIds);
    const groups = new Map<string, { target: number; active: number }>();
    for (let i = 0; i < groupsFlat.length; i += 2) {
      const [target, active] = (groupsFlat[i + 1] as string).split(' ').map(Number);
      groups.set(groupsFlat[i] as string, { target: target as number, active: active as number });
    }
    for (const key of groups.keys()) {
      if (shardOf(key, this.shards) !== shard.index) bad(`key ${key} has a group outside its shard`);
    }
    const perKey = new Map<string, number>();
    for (const [member, fields] of held) {
      for (let i = 0; i < fields.length; i += 2) {
        const id = Number(fields[i]);
        const [request, , ...keyParts] = (fields[i + 1] as string).split(' ');
        const key = keyParts.join(' ');
        if (ids.has(id)) bad(`lease ${id} held twice (member ${member})`);
        ids.add(id);
        if (id > lastId) bad(`lease ${id} above the last id handed out, ${lastId}`);
        if (id % this.shards !== shard.index) bad(`lease ${id} is not ${shard.index} modulo ${this.shards}`);
        const seen = f.seen.get(id);
        if (seen === undefined) f.seen.set(id, { key, member, request: Number(request), firstT: t, lastT: t });
        else {
          if (seen.key !== key) bad(`lease ${id} moved from key ${seen.key} to ${key}`);
          if (seen.member !== member) bad(`lease ${id} moved from member ${seen.member} to ${member}`);
          seen.lastT = t;
        }
        perKey.set(key, (perKey.get(key) ?? 0) + 1);
      }
    }
    shard.keys.forEach((key, i) => {
      const group = groups.get(key) ?? { target: 0, active: 0 };
      const count = unrevoked[i] ?? 0;
      if (count > group.target) bad(`key ${key}: ${count} unrevoked leases over target ${group.target}`);
      if ((perKey.get(key) ?? 0) !== group.active) {
        bad(`key ${key}: active ${group.active}, but members hold ${perKey.get(key) ?? 0} leases of it`);
      }
      f.drainingSeen = Math.max(f.drainingSeen, group.active - group.target);
    });
  }
}
