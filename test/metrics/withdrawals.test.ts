import { describe, expect, test } from 'vitest';
import { createPool } from '../../src/index.js';
import { attributeNames, instrumentPool, metricNames } from '../../src/metrics/index.js';
import { withdrawalReasonOf } from '../../src/metrics/lease-recorder.js';
import { RedisPoolError } from '../../src/redis/errors.js';
import { flush, track } from '../support.js';
import { at, ManualClock, Metrics } from './support.js';

const reason = (why: string, more: Record<string, string> = {}) =>
  at({ ...more, [attributeNames.withdrawalReason]: why });

/** What `AbortSignal.timeout` aborts with. */
const timeoutError = () => new DOMException('The operation was aborted due to timeout', 'TimeoutError');

describe('workpool.lease.withdrawals', () => {
  test('counts a request whose signal timed out as a timeout', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter });
    const controller = new AbortController();
    const waiter = track(pool.acquire({ signal: controller.signal }));
    controller.abort(timeoutError());
    await flush();
    expect(waiter.state).toBe('rejected');
    expect(await metrics.values(metricNames.withdrawals)).toEqual({ [reason('timeout')]: 1 });
  });

  test('counts a request aborted for any other reason as aborted', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter });
    const first = new AbortController();
    const second = new AbortController();
    track(pool.acquire({ signal: first.signal }));
    track(pool.acquire({ signal: second.signal }));
    first.abort();
    second.abort(new Error('client went away'));
    await flush();
    expect(await metrics.values(metricNames.withdrawals)).toEqual({ [reason('aborted')]: 2 });
  });

  test('counts the requests the stop dropped as stopped', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter });
    const waiters = [track(pool.acquire()), track(pool.acquire({ key: 'k' }))];
    pool.stop();
    await flush();
    expect(waiters.map((w) => w.state)).toEqual(['rejected', 'rejected']);
    expect(await metrics.values(metricNames.withdrawals)).toEqual({ [reason('stopped')]: 2 });
  });

  test('counts nothing for a request granted before its signal aborted, nor for a try that got nothing', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter });
    pool.set('k', 1);
    const controller = new AbortController();
    const lease = await pool.acquire({ signal: controller.signal });
    controller.abort(timeoutError());
    expect(pool.tryAcquire()).toBeUndefined();
    lease.release();
    pool.stop();
    expect(await metrics.points(metricNames.withdrawals)).toEqual([]);
  });

  test('carries the key the request asked for when keyAttribute maps it, and none for any-key requests', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter, keyAttribute: (k) => (k === 'vip' ? k : undefined) });
    const controllers = [new AbortController(), new AbortController(), new AbortController()];
    track(pool.acquire({ key: 'vip', signal: controllers[0]?.signal }));
    track(pool.acquire({ key: 'other', signal: controllers[1]?.signal }));
    track(pool.acquire({ signal: controllers[2]?.signal }));
    for (const controller of controllers) controller.abort(timeoutError());
    await flush();
    expect(await metrics.values(metricNames.withdrawals)).toEqual({
      [reason('timeout', { 'workpool.key': 'vip' })]: 1,
      [reason('timeout')]: 2,
    });
  });
});

describe('workpool.lease.withdrawn_wait_time', () => {
  test('records the seconds each withdrawn request waited, by reason', async () => {
    const metrics = new Metrics();
    const clock = new ManualClock();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter, now: clock.now });
    const timed = new AbortController();
    const aborted = new AbortController();
    track(pool.acquire({ signal: timed.signal }));
    clock.advance(50);
    track(pool.acquire({ signal: aborted.signal }));
    track(pool.acquire());
    clock.advance(100);
    timed.abort(timeoutError());
    clock.advance(250);
    aborted.abort();
    clock.advance(600);
    pool.stop();
    await flush();
    const waits = await metrics.histograms(metricNames.withdrawnWaitTime);
    expect(waits[reason('timeout')]).toMatchObject({ count: 1, sum: 0.15 });
    expect(waits[reason('aborted')]).toMatchObject({ count: 1, sum: 0.35 });
    expect(waits[reason('stopped')]).toMatchObject({ count: 1, sum: 0.95 });
  });

  test('leaves wait_time to granted requests', async () => {
    const metrics = new Metrics();
    const clock = new ManualClock();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter, now: clock.now });
    const controller = new AbortController();
    track(pool.acquire({ signal: controller.signal }));
    clock.advance(100);
    controller.abort(timeoutError());
    await flush();
    expect(await metrics.points(metricNames.waitTime)).toEqual([]);
    expect(Object.keys(await metrics.histograms(metricNames.withdrawnWaitTime))).toEqual([reason('timeout')]);
  });

  test('counts but does not time a request that was waiting before instrumentPool', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    const controller = new AbortController();
    track(pool.acquire({ signal: controller.signal }));
    instrumentPool(pool, { meter: metrics.meter });
    controller.abort(timeoutError());
    await flush();
    expect(await metrics.values(metricNames.withdrawals)).toEqual({ [reason('timeout')]: 1 });
    expect(await metrics.points(metricNames.withdrawnWaitTime)).toEqual([]);
  });
});

describe('an instrumented pool with an inspector attached', () => {
  test('reports the same grants, waits, uses and withdrawals', async () => {
    const metrics = new Metrics();
    const clock = new ManualClock();
    const inspected: string[] = [];
    const pool = createPool<string>({
      inspect: (event) => {
        if (event.type === '@xstate.event') inspected.push(event.event.type);
      },
    });
    instrumentPool(pool, { meter: metrics.meter, now: clock.now, keyAttribute: (k) => k });
    pool.set('k', 1);
    const first = await pool.acquire({ key: 'k' });
    const second = track(pool.acquire({ key: 'k' }));
    const controller = new AbortController();
    track(pool.acquire({ key: 'k', signal: controller.signal }));
    clock.advance(200);
    controller.abort(timeoutError());
    first.release();
    await flush();
    clock.advance(300);
    second.value?.release();
    expect(inspected).toContain('lease.request');
    const key = at({ 'workpool.key': 'k' });
    expect(await metrics.values(metricNames.grants)).toEqual({ [key]: 2 });
    expect(await metrics.histograms(metricNames.waitTime)).toMatchObject({ [key]: { count: 2, sum: 0.2 } });
    expect(await metrics.histograms(metricNames.useTime)).toMatchObject({ [key]: { count: 2, sum: 0.5 } });
    expect(await metrics.values(metricNames.withdrawals)).toEqual({ [reason('timeout', { 'workpool.key': 'k' })]: 1 });
  });
});

describe('the withdrawal reason of an abort reason', () => {
  test('is timeout for a TimeoutError, failed for a RedisPoolError, aborted for anything else', () => {
    expect(withdrawalReasonOf(timeoutError())).toBe('timeout');
    expect(
      withdrawalReasonOf(
        new RedisPoolError('Redis acquire failed: down', { cause: new Error('ECONNREFUSED'), refused: false }),
      ),
    ).toBe('failed');
    expect(withdrawalReasonOf(new Error('client went away'))).toBe('aborted');
    expect(withdrawalReasonOf(undefined)).toBe('aborted');
  });
});
