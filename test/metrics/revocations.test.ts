import { describe, expect, test } from 'vitest';
import { createPool, LeaseRevokedError } from '../../src/index.js';
import { instrumentPool, metricNames } from '../../src/metrics/index.js';
import { at, Metrics } from './support.js';

const key = (k: string) => at({ 'workpool.key': k });

describe('workpool.lease.revocations', () => {
  test('counts each lease a lowered target revokes, by key, and none twice', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter, keyAttribute: (k) => k });
    pool.set('a', 3);
    pool.set('b', 1);
    const a = [pool.tryAcquire({ key: 'a' }), pool.tryAcquire({ key: 'a' }), pool.tryAcquire({ key: 'a' })];
    pool.tryAcquire({ key: 'b' });
    expect(await metrics.points(metricNames.revocations)).toEqual([]);
    pool.set('a', 1);
    expect(a.map((lease) => lease?.signal.reason instanceof LeaseRevokedError)).toEqual([false, true, true]);
    expect(await metrics.values(metricNames.revocations)).toEqual({ [key('a')]: 2 });
    // Lowering again revokes only the lease still unrevoked; raising undoes nothing.
    pool.set('a', 0);
    pool.set('a', 3);
    pool.set('b', 0);
    expect(await metrics.values(metricNames.revocations)).toEqual({ [key('a')]: 3, [key('b')]: 1 });
  });

  test('a stop revokes nothing: its leases are aborted with PoolStoppedError', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter });
    pool.set('a', 2);
    const lease = pool.tryAcquire();
    pool.stop();
    expect(lease?.signal.aborted).toBe(true);
    expect(await metrics.points(metricNames.revocations)).toEqual([]);
  });

  test('revoked leases keep counting until released', async () => {
    const metrics = new Metrics();
    const pool = createPool<string>();
    instrumentPool(pool, { meter: metrics.meter });
    pool.set('a', 2);
    const leases = [pool.tryAcquire(), pool.tryAcquire()];
    pool.set('a', 0);
    expect(await metrics.values(metricNames.leaseCount)).toEqual({ [at()]: 2 });
    for (const lease of leases) lease?.release();
    expect(await metrics.values(metricNames.leaseCount)).toEqual({ [at()]: 0 });
    expect(await metrics.values(metricNames.revocations)).toEqual({ [at()]: 2 });
  });
});
