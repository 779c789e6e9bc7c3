import { describe, expect, test } from 'vitest';
import { createPool } from '../../src/index.js';
import { instrumentPool, metricNames } from '../../src/metrics/index.js';
import { flush, track } from '../support.js';
import { at, Metrics } from './support.js';

const key = (k: string) => at({ 'workpool.key': k });

describe('workpool.lease.count', () => {
  test('reports the leases out, summed over all keys when keys are not mapped', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter });
    expect(await metrics.values(metricNames.leaseCount)).toEqual({ [at()]: 0 });
    pool.set('a', 2);
    pool.set('b', 1);
    pool.tryAcquire({ key: 'a' });
    pool.tryAcquire({ key: 'b' });
    const third = pool.tryAcquire({ key: 'a' });
    expect(await metrics.values(metricNames.leaseCount)).toEqual({ [at()]: 3 });
    third?.release();
    expect(await metrics.values(metricNames.leaseCount)).toEqual({ [at()]: 2 });
  });

  test('reports each mapped key apart and the keys mapped to nothing together', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    instrumentPool(pool, {
      meter: metrics.meter,
      keyAttribute: (k) => (k.startsWith('tenant-') ? undefined : k),
    });
    pool.set('spam', 2);
    pool.set('tenant-1', 1);
    pool.set('tenant-2', 1);
    pool.tryAcquire({ key: 'spam' });
    pool.tryAcquire({ key: 'tenant-1' });
    pool.tryAcquire({ key: 'tenant-2' });
    expect(await metrics.values(metricNames.leaseCount)).toEqual({ [at()]: 2, [key('spam')]: 1 });
  });

  test('keys mapped to one value are summed into one series', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter, keyAttribute: (k) => k.split(':')[0] });
    pool.set('eu:1', 1);
    pool.set('eu:2', 1);
    pool.set('us:1', 1);
    pool.tryAcquire({ key: 'eu:1' });
    pool.tryAcquire({ key: 'eu:2' });
    expect(await metrics.values(metricNames.leaseCount)).toEqual({ [at()]: 0, [key('eu')]: 2, [key('us')]: 0 });
  });

  test('5,000 keys without a key mapping make one series', async () => {
    const metrics = new Metrics();
    const pool = createPool<number>();
    instrumentPool(pool, { meter: metrics.meter });
    for (let k = 0; k < 5000; k++) pool.set(k, 1);
    for (let k = 0; k < 5000; k += 2) pool.tryAcquire({ key: k });
    expect(await metrics.values(metricNames.leaseCount)).toEqual({ [at()]: 2500 });
    expect(await metrics.values(metricNames.leaseTarget)).toEqual({ [at()]: 5000 });
  });

  test('carries workpool.pool.name on every point when given', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter, poolName: 'uploads', keyAttribute: (k) => k });
    pool.set('a', 1);
    expect(await metrics.values(metricNames.leaseCount)).toEqual({
      [at({ 'workpool.pool.name': 'uploads' })]: 0,
      [at({ 'workpool.pool.name': 'uploads', 'workpool.key': 'a' })]: 0,
    });
  });
});

describe('workpool.lease.target', () => {
  test('reports each group target, a draining group at 0 until its last release', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter, keyAttribute: (k) => k });
    pool.set('a', 3);
    pool.set('b', 1);
    const lease = pool.tryAcquire({ key: 'b' });
    pool.set('b', 0);
    expect(await metrics.values(metricNames.leaseTarget)).toEqual({ [at()]: 0, [key('a')]: 3, [key('b')]: 0 });
    expect(await metrics.values(metricNames.leaseCount)).toEqual({ [at()]: 0, [key('a')]: 0, [key('b')]: 1 });
    lease?.release();
    expect(pool.keys()).toEqual(['a']);
    expect(await metrics.values(metricNames.leaseTarget)).toEqual({ [at()]: 0, [key('a')]: 3, [key('b')]: 0 });
  });

  test('a key whose group is gone between collections reads 0, not its last counts', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter, keyAttribute: (k) => k });
    pool.set('gone', 2);
    const leases = [pool.tryAcquire(), pool.tryAcquire()];
    expect(await metrics.values(metricNames.leaseCount)).toEqual({ [at()]: 0, [key('gone')]: 2 });
    pool.set('gone', 0);
    for (const lease of leases) lease?.release();
    expect(await metrics.values(metricNames.leaseCount)).toEqual({ [at()]: 0, [key('gone')]: 0 });
    expect(await metrics.values(metricNames.leaseTarget)).toEqual({ [at()]: 0, [key('gone')]: 0 });
  });
});

describe('workpool.lease.pending_requests', () => {
  test('reports any-key and keyed waiters apart, keyed ones by mapped key', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter, keyAttribute: (k) => (k === 'x' ? 'x' : undefined) });
    const scope = (s: string, k?: string) =>
      at(k === undefined ? { 'workpool.request.scope': s } : { 'workpool.key': k, 'workpool.request.scope': s });
    expect(await metrics.values(metricNames.pendingRequests)).toEqual({ [scope('any_key')]: 0, [scope('key')]: 0 });
    const controller = new AbortController();
    const waits = [
      track(pool.acquire()),
      track(pool.acquire({ signal: controller.signal })),
      track(pool.acquire({ key: 'x' })),
      track(pool.acquire({ key: 'x' })),
      track(pool.acquire({ key: 'y' })),
    ];
    expect(await metrics.values(metricNames.pendingRequests)).toEqual({
      [scope('any_key')]: 2,
      [scope('key')]: 1,
      [scope('key', 'x')]: 2,
    });
    controller.abort();
    pool.set('x', 2);
    await flush();
    expect(await metrics.values(metricNames.pendingRequests)).toEqual({
      [scope('any_key')]: 0,
      [scope('key')]: 1,
      [scope('key', 'x')]: 1,
    });
    pool.stop();
    await flush();
    expect(waits.map((w) => w.state)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'rejected']);
    expect(await metrics.values(metricNames.pendingRequests)).toEqual({
      [scope('any_key')]: 0,
      [scope('key')]: 0,
      [scope('key', 'x')]: 0,
    });
  });
});
