import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { attributeNames, instrumentPool, metricNames } from '../../src/metrics/index.js';
import { LeaseLostError, PoolStoppedError } from '../../src/redis/index.js';
import { poolKeys } from '../../src/redis/redis-keys.js';
import { clientKinds } from '../redis/clients.js';
import { freshName, queuedIn, TestFleet, useRedisServer } from '../redis/fleet.js';
import { redisTestsRun } from '../redis/redis-server.js';
import { waitFor } from '../redis/wait-for.js';
import { at, ManualClock, Metrics } from './support.js';

const server = useRedisServer({ beforeAll, afterAll });
const key = (k: string) => at({ 'workpool.key': k });
const keyed = (k: string) => at({ 'workpool.key': k, 'workpool.request.scope': 'key' });
const anyKey = at({ 'workpool.request.scope': 'any_key' });
/** Short, so that a lease is lost within a test; heartbeats every 100 ms. */
const leaseTtl = 300;

describe.runIf(redisTestsRun).each(clientKinds)('instrumentPool on a Redis member, over %s', (kind) => {
  let fleet: TestFleet;
  beforeAll(() => {
    fleet = new TestFleet(server.current(), kind);
  });
  afterEach(async () => {
    await fleet.close();
  });

  test('targets and leases out per key are the fleet-wide counts the member last saw', async () => {
    const [a, b] = await fleet.pool(2);
    if (!a || !b) throw new Error('no pool');
    const metrics = new Metrics();
    instrumentPool(a, { meter: metrics.meter, keyAttribute: (k) => k });
    await a.set('spam', 2);
    await a.set('eggs', 1);
    await a.tryAcquire({ key: 'spam' });
    await b.tryAcquire({ key: 'eggs' });
    await a.get('eggs');
    expect(await metrics.values(metricNames.leaseTarget)).toEqual({ [at()]: 0, [key('spam')]: 2, [key('eggs')]: 1 });
    expect(await metrics.values(metricNames.leaseCount)).toEqual({ [at()]: 0, [key('spam')]: 1, [key('eggs')]: 1 });
  });

  test('a key this member no longer touches, drained by another member, reports 0 after one heartbeat', async () => {
    const [a, b] = await fleet.pool(2, { leaseTtl });
    if (!a || !b) throw new Error('no pool');
    const metrics = new Metrics();
    instrumentPool(a, { meter: metrics.meter, keyAttribute: (k) => k });
    await a.set('x', 3);
    const held = await b.acquire({ key: 'x' });
    await a.get('x');
    expect(await metrics.values(metricNames.leaseCount)).toEqual({ [at()]: 0, [key('x')]: 1 });
    await held.release();
    // One heartbeat of A's after the release: A heard nothing of x since, and uses it for nothing.
    const before = a.actor.getSnapshot().context.beatSentAt;
    await waitFor(() => a.actor.getSnapshot().context.beatSentAt > before, { what: 'a heartbeat of A' });
    expect(await metrics.values(metricNames.leaseCount)).toEqual({ [at()]: 0, [key('x')]: 0 });
  });

  test('a key drained to target 0 and removed reports 0, its last lease counted until released', async () => {
    const [a] = await fleet.pool(1);
    if (!a) throw new Error('no pool');
    const metrics = new Metrics();
    instrumentPool(a, { meter: metrics.meter, keyAttribute: (k) => k });
    await a.set('spam', 1);
    const lease = await a.acquire();
    expect(await metrics.values(metricNames.leaseTarget)).toEqual({ [at()]: 0, [key('spam')]: 1 });
    await a.set('spam', 0);
    expect(await metrics.values(metricNames.leaseTarget)).toEqual({ [at()]: 0, [key('spam')]: 0 });
    expect(await metrics.values(metricNames.leaseCount)).toEqual({ [at()]: 0, [key('spam')]: 1 });
    await lease.release();
    expect(await a.keys()).toEqual([]);
    expect(await metrics.values(metricNames.leaseCount)).toEqual({ [at()]: 0, [key('spam')]: 0 });
  });

  test('withdrawals are counted by reason and by the key asked for: timeout, aborted, stopped', async () => {
    const name = freshName();
    const a = (await fleet.member(name)).pool;
    const probe = await fleet.client();
    const metrics = new Metrics();
    instrumentPool(a, { meter: metrics.meter, keyAttribute: (k) => k });
    const timedOut = new AbortController();
    const aborted = new AbortController();
    const waits = [
      a.acquire({ key: 'x', signal: timedOut.signal }),
      a.acquire({ signal: aborted.signal }),
      a.acquire({ key: 'x' }),
    ].map((p) => p.catch((error: unknown) => error));
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 2 && (await queuedIn(probe, name)) === 1, {
      what: 'three requests queued',
    });
    timedOut.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    aborted.abort(new Error('client went away'));
    await a.stop();
    await Promise.all(waits);
    const why = (reason: string, k?: string) =>
      at({ ...(k === undefined ? {} : { 'workpool.key': k }), [attributeNames.withdrawalReason]: reason });
    expect(await metrics.values(metricNames.withdrawals)).toEqual({
      [why('timeout', 'x')]: 1,
      [why('aborted')]: 1,
      [why('stopped', 'x')]: 1,
    });
  });

  test('waiters are this member’s pending acquires, any-key and per key', async () => {
    const name = freshName();
    const a = (await fleet.member(name)).pool;
    const other = (await fleet.member(name)).pool;
    const probe = await fleet.client();
    const metrics = new Metrics();
    instrumentPool(a, { meter: metrics.meter, keyAttribute: (k) => k });
    const controller = new AbortController();
    const waits = [
      a.acquire({ signal: controller.signal }),
      a.acquire({ key: 'x', signal: controller.signal }),
      a.acquire({ key: 'x', signal: controller.signal }),
      other.acquire({ key: 'x', signal: controller.signal }),
    ].map((p) => p.catch((error: unknown) => error));
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 3);
    expect(await metrics.values(metricNames.pendingRequests)).toEqual({
      [anyKey]: 1,
      [at({ 'workpool.request.scope': 'key' })]: 0,
      [keyed('x')]: 2,
    });
    controller.abort();
    await Promise.all(waits);
    expect(await metrics.values(metricNames.pendingRequests)).toMatchObject({ [anyKey]: 0, [keyed('x')]: 0 });
  });

  test('wait time runs from acquire to the grant another member’s release passes on', async () => {
    const [holder, waiter] = await fleet.pool(2);
    if (!holder || !waiter) throw new Error('no pool');
    const metrics = new Metrics();
    const clock = new ManualClock();
    instrumentPool(waiter, { meter: metrics.meter, now: clock.now, keyAttribute: (k) => k });
    await holder.set('a', 1);
    const held = await holder.acquire();
    const waiting = waiter.acquire({ key: 'a' });
    clock.advance(250);
    await held.release();
    const lease = await waiting;
    const waits = await metrics.histograms(metricNames.waitTime);
    expect(Object.keys(waits)).toEqual([key('a')]);
    expect(waits[key('a')]).toMatchObject({ count: 1, sum: 0.25 });
    await lease.release();
  });

  test('a request queued again after its member rejoined keeps its wait time from its first acquire', async () => {
    const name = freshName();
    const waiter = await fleet.member(name, { leaseTtl });
    const holder = (await fleet.member(name, { leaseTtl })).pool;
    const probe = await fleet.client();
    const metrics = new Metrics();
    const clock = new ManualClock();
    instrumentPool(waiter.pool, { meter: metrics.meter, now: clock.now });
    await holder.set('x', 1);
    const held = await holder.acquire();
    const waiting = waiter.pool.acquire({ key: 'x' });
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 1);
    let joins = 0;
    waiter.pool.actor.subscribe((snapshot) => {
      if (snapshot.matches('joining')) joins++;
    });
    clock.advance(400);
    // Redis forgets the member: its next heartbeat is told so, and it rejoins and queues its request again.
    await probe.command(['ZREM', `${poolKeys('workpool', name).tag}members`, waiter.pool.member]);
    await waitFor(() => joins > 0 && waiter.pool.actor.getSnapshot().matches('live'), { what: 'the rejoin' });
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 1, { what: 'the request queued again' });
    clock.advance(100);
    await held.release();
    const lease = await waiting;
    expect(await metrics.histograms(metricNames.waitTime)).toMatchObject({ [at()]: { count: 1, sum: 0.5 } });
    await lease.release();
  });

  test('grants and use time count this member’s leases, tryAcquire included', async () => {
    const [a, b] = await fleet.pool(2);
    if (!a || !b) throw new Error('no pool');
    const metrics = new Metrics();
    const clock = new ManualClock();
    instrumentPool(a, { meter: metrics.meter, now: clock.now });
    await a.set('a', 3);
    const first = await a.acquire();
    const second = await a.tryAcquire();
    await (await b.acquire()).release();
    clock.advance(100);
    await first.release();
    clock.advance(100);
    await second?.release();
    expect(await metrics.values(metricNames.grants)).toEqual({ [at()]: 2 });
    expect(await metrics.histograms(metricNames.useTime)).toMatchObject({
      [at()]: { count: 2, sum: expect.closeTo(0.3, 9) },
    });
    expect(await metrics.points(metricNames.waitTime)).toMatchObject([{ value: { count: 1, sum: 0 } }]);
  });

  test('a target lowered by another member counts each revoked lease once, on its holder', async () => {
    const [holder, setter] = await fleet.pool(2);
    if (!holder || !setter) throw new Error('no pool');
    const metrics = new Metrics();
    instrumentPool(holder, { meter: metrics.meter, keyAttribute: (k) => k });
    await holder.set('a', 3);
    const leases = [await holder.acquire(), await holder.acquire(), await holder.acquire()];
    await setter.set('a', 1);
    await waitFor(() => leases[1]?.signal.aborted && leases[2]?.signal.aborted, { what: 'the revocations' });
    await setter.set('a', 0);
    await waitFor(() => leases[0]?.signal.aborted, { what: 'the last revocation' });
    expect(await metrics.values(metricNames.revocations)).toEqual({ [key('a')]: 3 });
    await Promise.all(leases.map((lease) => lease.release()));
  });

  test('a lost lease is counted lost, its late release adds no use time', async () => {
    const name = freshName();
    const doomed = await fleet.member(name, { leaseTtl });
    await (await fleet.member(name, { leaseTtl })).pool.set('a', 1);
    const metrics = new Metrics();
    instrumentPool(doomed.pool, { meter: metrics.meter, keyAttribute: (k) => k });
    const lease = await doomed.pool.acquire();
    await doomed.client.close();
    await waitFor(() => lease.signal.aborted, { timeout: 3_000, what: 'the lost lease’s signal' });
    expect(lease.signal.reason).toBeInstanceOf(LeaseLostError);
    await lease.release();
    expect(await metrics.values(metricNames.losses)).toEqual({ [key('a')]: 1 });
    expect(await metrics.points(metricNames.useTime)).toEqual([]);
  });

  test('requests dropped at stop are not timed, and nothing is left waiting', async () => {
    const [a] = await fleet.pool(1);
    if (!a) throw new Error('no pool');
    const metrics = new Metrics();
    instrumentPool(a, { meter: metrics.meter });
    const dropped = a.acquire({ key: 'nobody' }).catch((error: unknown) => error);
    await a.stop();
    expect(await dropped).toBeInstanceOf(PoolStoppedError);
    expect(await metrics.points(metricNames.waitTime)).toEqual([]);
    expect(await metrics.values(metricNames.pendingRequests)).toEqual({
      [anyKey]: 0,
      [at({ 'workpool.request.scope': 'key' })]: 0,
    });
  });

  test('a keyAttribute that stops the member at a grant leaves the grant counted and the lease stopped', async () => {
    const [a] = await fleet.pool(1);
    if (!a) throw new Error('no pool');
    const metrics = new Metrics();
    let stopping: Promise<void> | undefined;
    instrumentPool(a, {
      meter: metrics.meter,
      keyAttribute: (k) => {
        stopping ??= a.stop();
        return k;
      },
    });
    await a.set('a', 1);
    const lease = await a.acquire();
    await stopping;
    expect(a.stopped).toBe(true);
    expect(lease.signal.reason).toBeInstanceOf(PoolStoppedError);
    expect(await metrics.values(metricNames.grants)).toEqual({ [key('a')]: 1 });
    await lease.release();
  });

  test('after remove() no listener or callback of it runs', async () => {
    const [a, b] = await fleet.pool(2);
    if (!a || !b) throw new Error('no pool');
    const metrics = new Metrics();
    const clock = new ManualClock();
    const now = vi.fn(clock.now);
    const keyAttribute = vi.fn((k: string) => k);
    const handle = instrumentPool(a, { meter: metrics.meter, now, keyAttribute });
    await a.set('a', 2);
    await (await a.acquire()).release();
    expect(await metrics.values(metricNames.grants)).toEqual({ [key('a')]: 1 });
    handle.remove();
    now.mockClear();
    keyAttribute.mockClear();
    const held = [await a.acquire(), await a.acquire()];
    const waiting = a.acquire();
    await b.set('a', 1);
    await waitFor(() => held[1]?.signal.aborted, { what: 'the revocation' });
    await held[0]?.release();
    await held[1]?.release();
    await (await waiting).release();
    await metrics.collect();
    expect(now).not.toHaveBeenCalled();
    expect(keyAttribute).not.toHaveBeenCalled();
    expect(await metrics.values(metricNames.grants)).toEqual({ [key('a')]: 1 });
  });
});
