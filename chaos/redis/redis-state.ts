import type { Redis as IORedis } from 'ioredis';
import { poolKeys } from '../../src/redis/redis-keys.js';
import type { Violation } from './check.js';
import { now } from './events.js';
import type { SeenLease } from './unlogged.js';

/**
 * Reads, in one atomic script, the pool's groups, the last lease id, every
 * member with its leases, and each key's unrevoked leases. Read-only.
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
  lastLeaseId: number;
  /** The highest count of leases (revoked ones included) over a key's target seen, i.e. draining. */
  drainingSeen: number;
}

/** Takes snapshots of the pool `name` of `keys` and checks Redis' own invariants in each. */
export class RedisStateChecker {
  readonly findings: StateFindings = {
    snapshots: 0,
    seen: new Map(),
    violations: [],
    lastLeaseId: 0,
    drainingSeen: 0,
  };
  readonly #tag: string;
  /** When the previous snapshot was sent. */
  #lastSentAt = Number.NEGATIVE_INFINITY;
  /** Kill times of the failovers so far (`--sentinel`). */
  readonly #kills: number[] = [];

  constructor(
    readonly redis: IORedis,
    name: string,
    readonly keys: readonly string[],
  ) {
    this.#tag = poolKeys('workpool', name).tag;
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
   * One snapshot: each key's unrevoked leases are at most its target (the
   * over-target rest is revoked, draining); its active count equals the
   * leases its members hold; lease ids are unique, at most the last id
   * handed out, which never goes down; a lease keeps its key.
   */
  async snapshot(): Promise<void> {
    const sentAt = now();
    const [last, groupsFlat, held, unrevoked] = (await this.redis.eval(snapshotScript, 0, this.#tag, ...this.keys)) as [
      string,
      string[],
      [string, string[]][],
      number[],
    ];
    const t = now();
    const f = this.findings;
    f.snapshots++;
    const bad = (detail: string) => f.violations.push({ rule: 'redis state', detail });
    const lastId = Number(last);
    const previousSentAt = this.#lastSentAt;
    this.#lastSentAt = sentAt;
    // A snapshot that was sent before a kill read the old primary; one sent after may read the new one.
    const failedOver = this.#kills.some((kill) => kill > previousSentAt);
    if (lastId < f.lastLeaseId && !failedOver) bad(`last lease id went down from ${f.lastLeaseId} to ${lastId}`);
    f.lastLeaseId = lastId;
    const groups = new Map<string, { target: number; active: number }>();
    for (let i = 0; i < groupsFlat.length; i += 2) {
      const [target, active] = (groupsFlat[i + 1] as string).split(' ').map(Number);
      groups.set(groupsFlat[i] as string, { target: target as number, active: active as number });
    }
    const perKey = new Map<string, number>();
    const ids = new Set<number>();
    for (const [member, fields] of held) {
      for (let i = 0; i < fields.length; i += 2) {
        const id = Number(fields[i]);
        const [request, , ...keyParts] = (fields[i + 1] as string).split(' ');
        const key = keyParts.join(' ');
        if (ids.has(id)) bad(`lease ${id} held twice (member ${member})`);
        ids.add(id);
        if (id > lastId) bad(`lease ${id} above the last id handed out, ${lastId}`);
        const before = f.seen.get(id);
        if (before === undefined) f.seen.set(id, { key, member, request: Number(request), firstT: t, lastT: t });
        else {
          if (before.key !== key) bad(`lease ${id} moved from key ${before.key} to ${key}`);
          if (before.member !== member) bad(`lease ${id} moved from member ${before.member} to ${member}`);
          before.lastT = t;
        }
        perKey.set(key, (perKey.get(key) ?? 0) + 1);
      }
    }
    this.keys.forEach((key, i) => {
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
