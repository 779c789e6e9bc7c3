import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createRedisPool, LeaseLostError, type RedisPool } from '../../src/redis/index.js';
import { track } from '../support.js';
import { connectClient, type TestClient } from './clients.js';
import { clientsAndShards, freshName, keyTag, queuedIn, TestFleet, useRedisServer } from './fleet.js';
import { redisTestsRun, startRedisServer } from './redis-server.js';
import { ReplyGate } from './reply-gate.js';
import { waitFor } from './wait-for.js';

const server = useRedisServer({ beforeAll, afterAll });

/** Short, so that heartbeats (every 100 ms) and reaping happen within a test. */
const leaseTtl = 300;
/** One heartbeat interval, plus slack for a busy machine. */
const withinOneBeat = { timeout: leaseTtl / 3 + 1_500 };

// D11 per key, on a pool of 4 shards too (D9): each shard's keys and lease counter are read and written under its own tag.
describe.runIf(redisTestsRun).each(clientsAndShards)(
  'what Redis lost is found and mended, over %s with %i shard(s)',
  (kind, shards) => {
    let fleet: TestFleet;
    let probe: TestClient;
    let gate: ReplyGate | undefined;
    beforeAll(() => {
      fleet = new TestFleet(server.current(), kind, shards);
    });
    afterEach(async () => {
      gate?.open();
      await fleet.close();
      await gate?.close();
      gate = undefined;
    });

    /**
     * Member `slow` (its replies through a gate) sends `call` for `x` (target 1) with every reply held; with its
     * heartbeats unanswered, another member's call reaps it and a notice tells it so; once it is rejoining, the
     * gate opens and the call's reply, granted before the reap, arrives.
     */
    async function reapedWhileOnItsWay<T>(call: (slow: RedisPool) => Promise<T>) {
      const name = freshName();
      gate = await ReplyGate.start(server.current().port);
      const other = (await fleet.member(name, { leaseTtl })).pool;
      const client = await connectClient(kind, gate.url);
      fleet.clients.push(client);
      const slow = await createRedisPool({ redis: client.client, name, leaseTtl, shards });
      fleet.members.push({ pool: slow, client });
      await other.set('x', 1);
      gate.hold();
      const settled = track(call(slow));
      await waitFor(async () => (await other.get('x')).active === 0, { timeout: 5_000, what: 'slow reaped' });
      await waitFor(() => slow.actor.getSnapshot().matches('joining'), { what: 'slow rejoining' });
      gate.open();
      return { other, settled };
    }

    /** Two members of a fresh pool: `holder` holds `x` (target 1), `waiter`'s acquire of `x` (with `signal`) is queued. */
    async function queuedBehindHolder(signal?: AbortSignal) {
      const name = freshName();
      const [holder, waiter] = await fleet.pool(2, { name, leaseTtl });
      if (!holder || !waiter) throw new Error('no pool');
      const client = await fleet.client();
      probe = client;
      await holder.set('x', 1);
      const held = await holder.acquire({ key: 'x' });
      const waiting = track(waiter.acquire({ key: 'x', ...(signal ? { signal } : {}) }));
      await waitFor(async () => (await queuedIn(client, name, 'x', shards)) === 1, { what: 'the request queued' });
      return { name, holder, waiter, held, waiting, probe: client, tag: keyTag(name, 'x', shards) };
    }

    test('a waiter Redis no longer queues is queued again by the next heartbeat, and gets the free key', async () => {
      const { holder, waiter, held, waiting, probe, tag } = await queuedBehindHolder();
      // What a failover to a replica that lacked the queued write leaves: Redis knows no such waiter.
      const [entry] = (await probe.command(['ZRANGE', `${tag}q:x`, '0', '0'])) as string[];
      await probe.command(['ZREM', `${tag}q:x`, entry as string]);
      await probe.command(['DEL', `${tag}mw:${waiter.member}`]);
      await held.release();
      const lease = await waitFor(() => waiting.value, {
        ...withinOneBeat,
        what: 'the waiter queued again and granted',
      });
      expect(lease.key).toBe('x');
      expect(await holder.tryAcquire({ key: 'x' })).toBeUndefined();
      expect(await holder.get('x')).toEqual({ target: 1, active: 1 });
      await lease.release();
    });

    test('a waiter Redis queues for a request its member has withdrawn is cancelled by the next heartbeat', async () => {
      const abort = new AbortController();
      const { name, holder, waiter, held, waiting, probe, tag } = await queuedBehindHolder(abort.signal);
      const [entry, score] = (await probe.command(['ZRANGE', `${tag}q:x`, '0', '0', 'WITHSCORES'])) as string[];
      const asked = (await probe.command(['HGETALL', `${tag}mw:${waiter.member}`])) as string[];
      abort.abort(new Error('gave up'));
      await waiting.promise.catch(() => {});
      await waitFor(async () => (await queuedIn(probe, name, 'x', shards)) === 0, { what: 'the request withdrawn' });
      // What a failover to a replica that lacked the cancel leaves: Redis queues a waiter nobody waits for.
      await probe.command(['ZADD', `${tag}q:x`, score as string, entry as string]);
      await probe.command(['HSET', `${tag}mw:${waiter.member}`, ...asked]);
      await waitFor(async () => (await queuedIn(probe, name, 'x', shards)) === 0, {
        ...withinOneBeat,
        what: 'the phantom cancelled',
      });
      await held.release();
      expect(await holder.get('x')).toEqual({ target: 1, active: 0 });
    });

    test('a lease counter below an id the member has seen is lost data: its leases are lost, then it rejoins', async () => {
      const name = freshName();
      const [a, b] = await fleet.pool(2, { name, leaseTtl });
      if (!a || !b) throw new Error('no pool');
      probe = await fleet.client();
      const tag = keyTag(name, 'x', shards);
      await a.set('x', 2);
      const held = await a.acquire({ key: 'x' });
      // A failover to a replica that lacked the last grants: the counter is behind what `a` was given.
      await probe.command(['HSET', `${tag}meta`, 'lease', String(held.id - 1_000_000)]);
      await waitFor(() => held.signal.aborted, { ...withinOneBeat, what: 'the lease lost' });
      expect(held.signal.reason).toBeInstanceOf(LeaseLostError);
      await waitFor(() => a.actor.getSnapshot().matches('live'), { what: 'the member rejoined' });
      const again = await a.acquire({ key: 'x' });
      expect(again.id).toBeGreaterThan(held.id);
      await again.release();
    });

    test('an acquire whose grant comes back after its member was reaped and rejoined queues again instead of delivering the reaped lease', async () => {
      // Granted in Redis at once; its reply, and every later one of `slow` (heartbeats included), is held.
      const { other, settled: acquiring } = await reapedWhileOnItsWay((slow) => slow.acquire({ key: 'x' }));
      const lease = await waitFor(() => acquiring.value, { timeout: 5_000, what: 'the acquire settled' });
      expect(lease.signal.aborted).toBe(false);
      expect(await other.tryAcquire({ key: 'x' })).toBeUndefined();
      expect(await other.get('x')).toEqual({ target: 1, active: 1 });
      await lease.release();
      expect(await other.get('x')).toEqual({ target: 1, active: 0 });
    });

    test('a grant to a waiter of an incarnation its member has retired is not delivered: that one’s leave gave it back, and the waiter queues again', async () => {
      const name = freshName();
      const relay = await ReplyGate.start(server.current().port);
      gate = relay;
      const holder = (await fleet.member(name, { leaseTtl })).pool;
      const client = await connectClient(kind, relay.url);
      fleet.clients.push(client);
      const slow = await createRedisPool({ redis: client.client, name, leaseTtl, shards });
      fleet.members.push({ pool: slow, client });
      probe = await fleet.client();
      const tag = keyTag(name, 'x', shards);
      await holder.set('x', 1);
      const held = await holder.acquire({ key: 'x' });
      const waiting = track(slow.acquire({ key: 'x' }));
      await waitFor(async () => (await queuedIn(probe, name, 'x', shards)) === 1, { what: 'the request queued' });
      relay.holdNotices();
      await held.release();
      // Granted in Redis to the incarnation it was queued as; the notice is held back.
      const [granted] = (await probe.command(['ZRANGE', `${tag}l:x`, '0', '0'])) as string[];
      const firstLease = Number(String(granted).split(':')[0]);
      relay.hold();
      slow.actor.send({ type: 'member.gone' });
      // The rejoin retires that incarnation; its leave (run at once, its reply held) gives the grant back.
      await waitFor(async () => (await holder.get('x')).active === 0, { what: 'the old incarnation left' });
      relay.openNotices();
      await waitFor(() => slow.actor.getSnapshot().context.groups.byKey.get('x')?.getSnapshot().context.active === 1, {
        what: 'the notice heard',
      });
      expect(waiting.state).toBe('pending');
      relay.open();
      const lease = await waitFor(() => waiting.value, { timeout: 5_000, what: 'the waiter queued again and granted' });
      expect(lease.id).not.toBe(firstLease);
      expect(lease.id).toBeGreaterThan(firstLease);
      expect(await holder.tryAcquire({ key: 'x' })).toBeUndefined();
      expect(await holder.get('x')).toEqual({ target: 1, active: 1 });
      await lease.release();
    });

    test('a tryAcquire granted before its member was reaped and rejoined does not return the reaped lease', async () => {
      const { other, settled: trying } = await reapedWhileOnItsWay((slow) => slow.tryAcquire({ key: 'x' }));
      await waitFor(() => trying.state !== 'pending', { timeout: 5_000, what: 'the tryAcquire settled' });
      const lease = trying.value;
      const counts = await other.get('x');
      // Either answer is right (the key was free again after the rejoin), but a lease it returns is Redis'.
      expect(counts.active).toBe(lease ? 1 : 0);
      if (lease) expect(await other.tryAcquire({ key: 'x' })).toBeUndefined();
      await lease?.release();
    });
  },
);

describe.runIf(redisTestsRun).each(clientsAndShards)('fencing ids, over %s with %i shard(s)', (kind, shards) => {
  let fleet: TestFleet;
  beforeAll(() => {
    fleet = new TestFleet(server.current(), kind, shards);
  });
  afterEach(async () => {
    await fleet.close();
  });

  test('lease ids keep rising after Redis restarts without its data, though no member remembers the highest', async () => {
    const port = server.current().port;
    const name = freshName();
    const [early, late] = await fleet.pool(2, { name, leaseTtl });
    if (!early || !late) throw new Error('no pool');
    await late.set('x', 5);
    const first = await early.acquire({ key: 'x' });
    const highest = await late.acquire({ key: 'x' });
    await first.release();
    await highest.release();
    // The member that was given the highest id goes away; the one left only knows a lower id.
    await late.stop();
    await server.current().stop();
    server.replace(await startRedisServer({ port }));
    await waitFor(() => early.actor.getSnapshot().matches('live') && early.actor.getSnapshot().context.joined, {
      timeout: 10_000,
      what: 'the member back',
    });
    await waitFor(
      async () => {
        try {
          await early.set('x', 1);
          return true;
        } catch {
          return false;
        }
      },
      { timeout: 10_000, what: 'the target set again' },
    );
    const after = await early.acquire({ key: 'x' });
    expect(after.id).toBeGreaterThan(highest.id);
    await after.release();
  });

  test('a target of 1e14 or more is stored as digits: read back, listed, and removed like any other', async () => {
    const [a] = await fleet.pool(1);
    if (!a) throw new Error('no pool');
    await a.set('big', 1e14);
    await a.set('max', Number.MAX_SAFE_INTEGER);
    expect(await a.get('big')).toEqual({ target: 1e14, active: 0 });
    expect(await a.get('max')).toEqual({ target: Number.MAX_SAFE_INTEGER, active: 0 });
    expect((await a.keys()).sort()).toEqual(['big', 'max']);
    const lease = await a.acquire({ key: 'big' });
    expect(await a.get('big')).toEqual({ target: 1e14, active: 1 });
    await lease.release();
    await a.set('big', 0);
    await a.set('max', 0);
    expect(await a.keys()).toEqual([]);
  });
});
