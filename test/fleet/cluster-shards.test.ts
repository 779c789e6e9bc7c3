import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { poolTag } from '../../src/redis/redis-keys.js';
import { shardOf, shardTag, tagSlot } from '../../src/redis/shards.js';
import { redisTestsRun } from '../redis/redis-server.js';
import { waitFor } from '../redis/wait-for.js';
import { type ClusterMaster, type RedisCluster, redisCli, startRedisCluster } from './cluster.js';
import { type AcquireHandle, type MemberProcess, startMembers } from './fleet.js';
import { uniquePoolName } from './support.js';

// D9 on a 3-master Redis Cluster, members in separate processes (even ones on node-redis createCluster, odd
// ones on ioredis Redis.Cluster): a pool of SHARDS shards, two of them on each master.

/** Shard tags spread over equal slot ranges (D9): 6 puts two on each of 3 masters with equal ranges. */
const SHARDS = 6;

/** Every hash tag of the pool `name` (default prefix): its shards', index = shard. */
function shardTags(name: string): string[] {
  const home = poolTag('workpool', name);
  return Array.from({ length: SHARDS }, (_, i) => shardTag(home, i, SHARDS));
}

/** The master serving the shard of `key` in pool `name`. */
function masterOfKey(cluster: RedisCluster, name: string, key: string): ClusterMaster {
  return cluster.masterOf(tagSlot(shardTags(name)[shardOf(key, SHARDS)] as string));
}

/** A key of pool `name` on each master, each in a shard of its own, in the order of `cluster.masters`. */
function keyOnEveryMaster(cluster: RedisCluster, name: string, stem = 'k'): string[] {
  return cluster.masters.map((master) => {
    for (let i = 0; i < 1_000; i++) {
      if (masterOfKey(cluster, name, `${stem}${i}`) === master) return `${stem}${i}`;
    }
    throw new Error(`no key of ${name} on ${master.port}`);
  });
}

/** Every Redis key on the node at `port` whose name contains `text`. */
async function keysOn(port: number, text: string): Promise<string[]> {
  return (await redisCli(port, '--scan', '--pattern', `*${text}*`)).split('\n').filter(Boolean);
}

describe.skipIf(!redisTestsRun)('a sharded pool on a 3-master Redis Cluster, members in separate processes', () => {
  let cluster: RedisCluster | undefined;
  const running: MemberProcess[] = [];
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((member) => member.close()));
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  /** `count` member processes of a fresh pool of {@link SHARDS} shards, alternating node-redis and ioredis. */
  async function members(label: string, count: number, leaseTtl: number): Promise<[string, MemberProcess[]]> {
    if (!cluster) throw new Error('cluster not started');
    const name = uniquePoolName(label);
    const ports = cluster.masters.map((m) => m.port);
    const started = await startMembers(
      { url: '', cluster: ports, pool: name, leaseTtl, shards: SHARDS },
      count,
      `${label}-`,
    );
    running.push(...started);
    return [name, started];
  }

  test('puts its shards on every master: the shard tags’ CLUSTER KEYSLOT and the keys each node holds', async () => {
    if (!cluster) throw new Error('cluster not started');
    const [name, [m0, m1] = []] = await members('spread', 2, 5_000);
    if (!m0 || !m1) throw new Error('members missing');
    const tags = shardTags(name);
    const masterOfTag = new Map<string, ClusterMaster>();
    for (const tag of tags) {
      const slot = await cluster.keySlot(`${tag}groups`);
      expect(slot).toBe(tagSlot(tag));
      masterOfTag.set(tag, cluster.masterOf(slot));
    }
    expect(new Set(masterOfTag.values()).size).toBe(cluster.masters.length);
    // A group in every shard, set from both clients; each lives on its shard's master and on no other.
    const keys = tags.map((_, shard) => {
      for (let i = 0; ; i++) if (shardOf(`g${i}`, SHARDS) === shard) return `g${i}`;
    });
    for (const [i, key] of keys.entries()) await (i % 2 ? m1 : m0).set(key, 1);
    expect((await m1.keys()).sort()).toEqual([...keys].sort());
    for (const master of cluster.masters) {
      const held = await keysOn(master.port, name);
      const mine = tags.filter((tag) => masterOfTag.get(tag) === master);
      for (const tag of mine) expect(held).toContain(`${tag}groups`);
      for (const key of held)
        expect(mine.some((tag) => key.startsWith(tag)) || key.startsWith(poolTag('workpool', name))).toBe(true);
    }
  }, 60_000);

  test('pushes grants by sharded pub/sub: every member is SSUBSCRIBEd to its channel of each shard on that shard’s master, and nothing is PUBLISHed', async () => {
    if (!cluster) throw new Error('cluster not started');
    const [name, started] = await members('notices', 2, 5_000);
    const [m0, m1] = started;
    if (!m0 || !m1) throw new Error('members missing');
    const tags = shardTags(name);
    for (const member of started) {
      for (const tag of tags) {
        const master = cluster.masterOf(tagSlot(tag));
        const channel = `${tag}ch:${member.member}`;
        const reply = (await redisCli(master.port, 'PUBSUB', 'SHARDNUMSUB', channel)).trim().split('\n');
        expect(reply).toEqual([channel, '1']);
      }
    }
    // A handoff between the two clients' processes in a shard of each master goes by SPUBLISH on that master.
    const publishes = async (port: number) => {
      const stats = await redisCli(port, 'INFO', 'commandstats');
      return {
        spublish: Number(/cmdstat_spublish:calls=(\d+)/.exec(stats)?.[1] ?? 0),
        publish: Number(/cmdstat_publish:calls=(\d+)/.exec(stats)?.[1] ?? 0),
      };
    };
    const before = await Promise.all(cluster.masters.map((m) => publishes(m.port)));
    for (const key of keyOnEveryMaster(cluster, name)) {
      await m0.set(key, 1);
      for (const [holder, waiter] of [
        [m0, m1],
        [m1, m0],
      ] as const) {
        const held = await holder.acquire(key).granted;
        const waiting = waiter.acquire(key);
        await waiting.queued;
        await holder.release(held.id);
        const handed = await waiting.granted;
        await waiter.release(handed.id);
      }
    }
    const after = await Promise.all(cluster.masters.map((m) => publishes(m.port)));
    for (const [i, counts] of after.entries()) {
      expect(counts.spublish).toBeGreaterThanOrEqual((before[i]?.spublish ?? 0) + 2);
      expect(counts.publish).toBe(before[i]?.publish);
    }
  }, 60_000);

  test('serves each key’s waiters of every process in the order they reached Redis, never past its target, in a shard on every master', async () => {
    if (!cluster) throw new Error('cluster not started');
    const [name, started] = await members('fifo', 3, 5_000);
    const [m0, m1, m2] = started;
    if (!m0 || !m1 || !m2) throw new Error('members missing');
    const keys = keyOnEveryMaster(cluster, name);
    for (const key of keys) await m0.set(key, 2);
    // Each key full: one lease held by each of two processes.
    const held = new Map<string, { member: MemberProcess; id: number }[]>();
    for (const [i, key] of keys.entries()) {
      const owners = [started[i % 3], started[(i + 1) % 3]] as MemberProcess[];
      held.set(
        key,
        await Promise.all(owners.map(async (member) => ({ member, id: (await member.acquire(key).granted).id }))),
      );
    }
    for (const key of keys) expect(await m2.call({ op: 'tryAcquire', key })).toBeNull();
    // Waiters of every process, interleaved over the keys, each queued before the next is sent.
    const order = [m1, m2, m0, m2, m1, m0];
    const waiters = new Map<string, { member: MemberProcess; handle: AcquireHandle }[]>(keys.map((key) => [key, []]));
    for (const member of order) {
      for (const key of keys) {
        const handle = member.acquire(key);
        await handle.queued;
        waiters.get(key)?.push({ member, handle });
      }
    }
    // Each release hands the key to its oldest waiter, whichever process it is in; the key stays at its target.
    for (let round = 0; round < order.length; round++) {
      for (const key of keys) {
        const holders = held.get(key) ?? [];
        const oldest = holders.shift();
        if (!oldest) throw new Error('no holder');
        await oldest.member.release(oldest.id);
        const queue = waiters.get(key) ?? [];
        const next = queue[round];
        if (!next) throw new Error('no waiter');
        const grant = await next.handle.granted;
        expect(grant.key).toBe(key);
        for (const younger of queue.slice(round + 1)) {
          expect(younger.member.events.some((e) => e.ev === 'granted' && e.req === younger.handle.req)).toBe(false);
        }
        expect(await m0.get(key)).toEqual({ target: 2, active: 2 });
        holders.push({ member: next.member, id: grant.id });
      }
    }
    for (const key of keys) for (const { member, id } of held.get(key) ?? []) await member.release(id);
    for (const key of keys) expect(await m1.get(key)).toEqual({ target: 2, active: 0 });
  }, 60_000);

  test('gives back the capacity of a kill -9’d member in every shard within leaseTtl and one heartbeat interval', async () => {
    if (!cluster) throw new Error('cluster not started');
    const leaseTtl = 1_500;
    const [name, started] = await members('kill', 3, leaseTtl);
    const [victim, other, waiter] = started;
    if (!victim || !other || !waiter) throw new Error('members missing');
    // A key on every master (so in three shards), each held by the victim; the survivors wait for each.
    const keys = keyOnEveryMaster(cluster, name);
    for (const key of keys) await other.set(key, 1);
    for (const key of keys) await victim.acquire(key).granted;
    const waiting: AcquireHandle[] = [];
    for (const [i, key] of keys.entries()) {
      const handle = (i % 2 ? other : waiter).acquire(key);
      await handle.queued;
      waiting.push(handle);
    }
    victim.kill('SIGKILL');
    await victim.exitedPromise();
    // D3: within leaseTtl + one heartbeat interval, and slack for a busy machine (never a sleep: a deadline).
    let granted = 0;
    for (const handle of waiting) void handle.granted.then(() => granted++);
    await waitFor(() => granted === keys.length, {
      timeout: leaseTtl + leaseTtl / 3 + 1_000,
      what: 'the killed member’s capacity in every shard',
    });
    for (const [i, handle] of waiting.entries()) expect((await handle.granted).key).toBe(keys[i]);
    for (const key of keys) expect(await waiter.get(key)).toEqual({ target: 1, active: 1 });
  }, 60_000);

  test('loses nothing on any shard while one master is paused for less than leaseTtl', async () => {
    if (!cluster) throw new Error('cluster not started');
    const leaseTtl = 3_000;
    const [name, started] = await members('pause', 2, leaseTtl);
    const [m0, m1] = started;
    if (!m0 || !m1) throw new Error('members missing');
    const keys = keyOnEveryMaster(cluster, name);
    const paused = masterOfKey(cluster, name, keys[0] as string);
    for (const key of keys) await m0.set(key, 2);
    // Each member holds a lease of every key; m1 waits for each key too.
    const leases = new Map<MemberProcess, number[]>([
      [m0, []],
      [m1, []],
    ]);
    for (const key of keys) {
      for (const member of [m0, m1]) leases.get(member)?.push((await member.acquire(key).granted).id);
    }
    const waiting: AcquireHandle[] = [];
    for (const key of keys) {
      const handle = m1.acquire(key);
      await handle.queued;
      waiting.push(handle);
    }
    await redisCli(paused.port, 'CLIENT', 'PAUSE', String(leaseTtl / 3), 'ALL');
    // A release on the paused master and one on another, sent during the pause: each lands, and hands its key on.
    const [onPaused, elsewhere] = [leases.get(m0)?.[0], leases.get(m0)?.[1]] as [number, number];
    await Promise.all([m0.release(onPaused), m0.release(elsewhere)]);
    const [first, second] = await Promise.all([waiting[0]?.granted, waiting[1]?.granted]);
    expect([first?.key, second?.key]).toEqual([keys[0], keys[1]]);
    // Well past the pause and a heartbeat after it: no lease lost, every one listed in its shard, counts right.
    await waitFor(async () => (await redisCli(paused.port, 'PING')).trim() === 'PONG', { what: 'the master back' });
    for (const member of [m0, m1]) expect(member.signals()).toEqual([]);
    const stillHeld = new Map<MemberProcess, number[]>([
      [m0, leases.get(m0)?.slice(2) ?? []],
      [m1, [...(leases.get(m1) ?? []), first?.id as number, second?.id as number]],
    ]);
    const tags = shardTags(name);
    for (const [member, ids] of stillHeld) {
      for (const id of ids) {
        const tag = tags[id % SHARDS] as string;
        const listed = await redisCli(
          cluster.masterOf(tagSlot(tag)).port,
          'HEXISTS',
          `${tag}ml:${member.member}`,
          String(id),
        );
        expect([id, listed.trim()]).toEqual([id, '1']);
      }
    }
    expect(await m1.get(keys[0] as string)).toEqual({ target: 2, active: 2 });
    expect(await m1.get(keys[1] as string)).toEqual({ target: 2, active: 2 });
    expect(await m0.get(keys[2] as string)).toEqual({ target: 2, active: 2 });
    // The waiter of the third key is still queued: the next release of that key reaches it.
    const third = waiting[2] as AcquireHandle;
    expect(m1.events.some((e) => (e.ev === 'granted' || e.ev === 'rejected') && e.req === third.req)).toBe(false);
    await m0.release(leases.get(m0)?.[2] as number);
    expect((await third.granted).key).toBe(keys[2]);
  }, 60_000);
});
