import type { BatchObservableCallback, Meter, Observable } from '@opentelemetry/api';
import { describe, expect, test, vi } from 'vitest';
import { createActor } from 'xstate';
import { createPool, groupMachine } from '../../src/index.js';
import { instrumentPool, metricNames } from '../../src/metrics/index.js';
import { flush, snapshotCounts, track } from '../support.js';
import { at, ManualClock, Metrics } from './support.js';

/** The SDK meter, with the batch callbacks registered on it and not yet removed. */
function countingMeter(meter: Meter): { meter: Meter; live: Set<BatchObservableCallback> } {
  const live = new Set<BatchObservableCallback>();
  const counting: Meter = Object.create(meter);
  counting.addBatchObservableCallback = (callback: BatchObservableCallback, observables: Observable[]) => {
    live.add(callback);
    meter.addBatchObservableCallback(callback, observables);
  };
  counting.removeBatchObservableCallback = (callback: BatchObservableCallback, observables: Observable[]) => {
    live.delete(callback);
    meter.removeBatchObservableCallback(callback, observables);
  };
  return { meter: counting, live };
}

describe('the instrumentation handle', () => {
  test('remove() unregisters the observable callback and stops hearing the pool', async () => {
    const metrics = new Metrics();
    const { meter, live } = countingMeter(metrics.meter);
    const clock = new ManualClock();
    const now = vi.fn(clock.now);
    const keyAttribute = vi.fn((k: string) => k);
    const pool = createPool<string>();
    const handle = instrumentPool(pool, { meter, now, keyAttribute });
    expect(live.size).toBe(1);
    pool.set('a', 1);
    pool.tryAcquire()?.release();
    expect(await metrics.values(metricNames.grants)).toEqual({ [at({ 'workpool.key': 'a' })]: 1 });

    handle.remove();
    expect(live.size).toBe(0);
    now.mockClear();
    keyAttribute.mockClear();
    const waiter = track(pool.acquire());
    await flush();
    waiter.value?.release();
    pool.set('b', 1);
    pool.stop();
    await metrics.collect();
    // No inspection observer, emit listener or observable callback of it ran.
    expect(now).not.toHaveBeenCalled();
    expect(keyAttribute).not.toHaveBeenCalled();
    expect(await metrics.values(metricNames.grants)).toEqual({ [at({ 'workpool.key': 'a' })]: 1 });
    expect(await metrics.points(metricNames.waitTime)).toEqual([]);
  });

  test('remove() twice, or by `using`, removes once', async () => {
    const metrics = new Metrics();
    const { meter, live } = countingMeter(metrics.meter);
    const pool = createPool<string>();
    {
      using handle = instrumentPool(pool, { meter });
      handle.remove();
      expect(live.size).toBe(0);
    }
    expect(live.size).toBe(0);
  });

  test('two pools instrumented on one meter keep apart by pool name', async () => {
    const metrics = new Metrics();
    const uploads = createPool<string>();
    const mail = createPool<string>();
    instrumentPool(uploads, { meter: metrics.meter, poolName: 'uploads' });
    const mailHandle = instrumentPool(mail, { meter: metrics.meter, poolName: 'mail' });
    uploads.set('a', 2);
    mail.set('a', 1);
    uploads.tryAcquire();
    mail.tryAcquire();
    expect(await metrics.values(metricNames.grants)).toEqual({
      [at({ 'workpool.pool.name': 'uploads' })]: 1,
      [at({ 'workpool.pool.name': 'mail' })]: 1,
    });
    mailHandle.remove();
    uploads.tryAcquire();
    expect(await metrics.values(metricNames.leaseCount)).toMatchObject({
      [at({ 'workpool.pool.name': 'uploads' })]: 2,
    });
  });
});

describe('user code the instrumentation calls', () => {
  test('keyAttribute may call back into the pool, at a grant and at a collection', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    const seen: Array<[string, number]> = [];
    instrumentPool(pool, {
      meter: metrics.meter,
      keyAttribute: (k) => {
        seen.push([k, pool.get(k).active]);
        if (k === 'a') {
          if (!pool.keys().includes('b')) pool.set('b', 1);
          pool.tryAcquire({ key: 'b' })?.release();
        }
        return k;
      },
    });
    pool.set('a', 1);
    const lease = await pool.acquire({ key: 'a' });
    expect(seen[0]).toEqual(['a', 1]);
    expect(snapshotCounts(pool)).toEqual([
      ['a', { target: 1, active: 1 }],
      ['b', { target: 1, active: 0 }],
    ]);
    const counts = await metrics.values(metricNames.leaseCount);
    expect(counts).toEqual({ [at()]: 0, [at({ 'workpool.key': 'a' })]: 1, [at({ 'workpool.key': 'b' })]: 0 });
    lease.release();
    expect(pool.get('a')).toEqual({ target: 1, active: 0 });
    // The grants made from inside keyAttribute were counted too.
    const grants = await metrics.values(metricNames.grants);
    expect(grants[at({ 'workpool.key': 'a' })]).toBe(1);
    expect(grants[at({ 'workpool.key': 'b' })]).toBeGreaterThanOrEqual(1);
  });

  test('a keyAttribute that throws or returns a non-attribute is reported and counted without the key', async () => {
    const metrics = new Metrics();
    const reported: unknown[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((_message, error) => reported.push(error));
    try {
      const pool = createPool<string>();
      instrumentPool(pool, {
        meter: metrics.meter,
        keyAttribute: (k) => {
          if (k === 'throws') throw new Error('no attribute for you');
          return k === 'object' ? ({} as string) : k;
        },
      });
      pool.set('throws', 1);
      pool.set('object', 1);
      pool.tryAcquire({ key: 'throws' });
      pool.tryAcquire({ key: 'object' });
      expect(await metrics.values(metricNames.grants)).toEqual({ [at()]: 2 });
      expect(pool.get('throws')).toEqual({ target: 1, active: 1 });
      expect(reported.map(String)).toEqual([
        'Error: no attribute for you',
        'TypeError: Expected `keyAttribute` to return a string, finite number, boolean or undefined, got `[object Object]` (object)',
        'Error: no attribute for you',
        'TypeError: Expected `keyAttribute` to return a string, finite number, boolean or undefined, got `[object Object]` (object)',
      ]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('instrumentPool options', () => {
  const meter = new Metrics().meter;
  test.each([
    ['no options', undefined, /Expected `meter` to be an OpenTelemetry Meter, got `undefined`/],
    [
      'a meter that is not one',
      { meter: {} },
      /Expected `meter` to be an OpenTelemetry Meter, got `\[object Object\]`/,
    ],
    [
      'keyAttribute not a function',
      { meter, keyAttribute: 'key' },
      /Expected `keyAttribute` to be a function, got `"key"`/,
    ],
    ['now not a function', { meter, now: 5 }, /Expected `now` to be a function, got `5`/],
    ['poolName not a string', { meter, poolName: 7 }, /Expected `poolName` to be a string, got `7`/],
    ['a misspelt option', { meter, keyAttributes: () => 'x' }, /Unknown option `keyAttributes` for `instrumentPool`/],
  ])('%s is refused with a TypeError naming it', (_what, options, message) => {
    const pool = createPool();
    expect(() => instrumentPool(pool, options as never)).toThrow(TypeError);
    expect(() => instrumentPool(pool, options as never)).toThrow(message);
  });

  test('a value that is not a pool is refused with a TypeError', () => {
    expect(() => instrumentPool({} as never, { meter })).toThrow(/Expected `pool` to be a pool made by createPool/);
  });

  test('an object whose actor is not a pool actor is refused before anything is registered', async () => {
    const metrics = new Metrics();
    const notAPool = { actor: createActor(groupMachine, { input: { key: 'k', target: 1 } }) };
    expect(() => instrumentPool(notAPool as never, { meter: metrics.meter })).toThrow(
      /Expected `pool` to be a pool made by createPool/,
    );
    expect(await metrics.points(metricNames.leaseCount)).toEqual([]);
  });
});
