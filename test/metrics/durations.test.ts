import { describe, expect, test } from 'vitest';
import { createPool } from '../../src/index.js';
import { instrumentPool, metricNames } from '../../src/metrics/index.js';
import { flush, track } from '../support.js';
import { at, ManualClock, Metrics } from './support.js';

const key = (k: string) => at({ 'workpool.key': k });

describe('workpool.lease.wait_time', () => {
  test('records the seconds from an acquire to its grant, by granted key', async () => {
    const metrics = new Metrics();
    const clock = new ManualClock();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter, now: clock.now, keyAttribute: (k) => k });
    pool.set('a', 1);
    const first = await pool.acquire();
    const second = track(pool.acquire());
    clock.advance(250);
    first.release();
    await flush();
    expect(second.state).toBe('fulfilled');
    const waits = await metrics.histograms(metricNames.waitTime);
    expect(Object.keys(waits)).toEqual([key('a')]);
    expect(waits[key('a')]).toMatchObject({ count: 2, sum: 0.25, min: 0, max: 0.25 });
  });

  test('an any-key waiter is timed under the key it was granted', async () => {
    const metrics = new Metrics();
    const clock = new ManualClock();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter, now: clock.now, keyAttribute: (k) => k });
    const waiter = track(pool.acquire());
    clock.advance(1500);
    pool.set('late', 1);
    await flush();
    expect(waiter.state).toBe('fulfilled');
    expect(await metrics.histograms(metricNames.waitTime)).toMatchObject({ [key('late')]: { count: 1, sum: 1.5 } });
  });

  test('withdrawn requests, requests dropped at stop and tryAcquire are not timed', async () => {
    const metrics = new Metrics();
    const clock = new ManualClock();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter, now: clock.now });
    const controller = new AbortController();
    const aborted = track(pool.acquire({ signal: controller.signal }));
    const dropped = track(pool.acquire({ key: 'b' }));
    clock.advance(100);
    controller.abort();
    pool.set('a', 1);
    pool.tryAcquire({ key: 'a' });
    pool.stop();
    await flush();
    expect([aborted.state, dropped.state]).toEqual(['rejected', 'rejected']);
    expect(await metrics.points(metricNames.waitTime)).toEqual([]);
    expect(await metrics.values(metricNames.grants)).toEqual({ [at()]: 1 });
  });

  test('uses histogram buckets from 100 µs to 5 minutes', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter });
    pool.set('a', 1);
    await pool.acquire();
    const [wait] = Object.values(await metrics.histograms(metricNames.waitTime));
    expect(wait?.buckets.boundaries[0]).toBe(0.0001);
    expect(wait?.buckets.boundaries.at(-1)).toBe(300);
  });
});

describe('workpool.lease.use_time', () => {
  test('records the seconds from a grant to the release, by key', async () => {
    const metrics = new Metrics();
    const clock = new ManualClock();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter, now: clock.now, keyAttribute: (k) => k });
    pool.set('a', 2);
    pool.set('b', 1);
    const a1 = pool.tryAcquire({ key: 'a' });
    clock.advance(100);
    const a2 = pool.tryAcquire({ key: 'a' });
    const b = pool.tryAcquire({ key: 'b' });
    clock.advance(400);
    a1?.release();
    a2?.release();
    a1?.release(); // a second release records nothing
    expect(await metrics.histograms(metricNames.useTime)).toMatchObject({
      [key('a')]: { count: 2, sum: 0.9, min: 0.4, max: 0.5 },
    });
    b?.release();
    expect(await metrics.histograms(metricNames.useTime)).toMatchObject({ [key('b')]: { count: 1, sum: 0.4 } });
  });

  test('a lease handed straight to a waiter is timed from its own grant', async () => {
    const metrics = new Metrics();
    const clock = new ManualClock();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter, now: clock.now });
    pool.set('a', 1);
    const first = pool.tryAcquire();
    const next = track(pool.acquire());
    clock.advance(1000);
    first?.release();
    await flush();
    clock.advance(3000);
    next.value?.release();
    expect(await metrics.histograms(metricNames.useTime)).toMatchObject({
      [at()]: { count: 2, sum: 4, min: 1, max: 3 },
    });
  });

  test('leases released after a stop are still timed', async () => {
    const metrics = new Metrics();
    const clock = new ManualClock();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter, now: clock.now });
    pool.set('a', 1);
    const lease = pool.tryAcquire();
    pool.stop();
    clock.advance(2000);
    lease?.release();
    expect(await metrics.histograms(metricNames.useTime)).toMatchObject({ [at()]: { count: 1, sum: 2 } });
    expect(await metrics.values(metricNames.leaseCount)).toEqual({ [at()]: 0 });
  });
});

describe('workpool.lease.grants', () => {
  test('counts every lease granted, by key: at once, to waiters, by hand-over', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter, keyAttribute: (k) => (k === 'a' ? 'a' : undefined) });
    const waiting = track(pool.acquire({ key: 'b' }));
    pool.set('a', 1);
    pool.set('b', 1);
    const a = pool.tryAcquire({ key: 'a' });
    const handedOver = track(pool.acquire({ key: 'a' }));
    a?.release();
    await flush();
    expect([waiting.state, handedOver.state]).toEqual(['fulfilled', 'fulfilled']);
    expect(await metrics.values(metricNames.grants)).toEqual({ [key('a')]: 2, [at()]: 1 });
  });
});
