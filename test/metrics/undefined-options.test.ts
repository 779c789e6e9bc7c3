import { expect, test } from 'vitest';
import { createPool } from '../../src/index.js';
import { instrumentPool, metricNames } from '../../src/metrics/index.js';
import { at, Metrics } from './support.js';

test('instrumentPool takes an explicit undefined as an absent option', async () => {
  const metrics = new Metrics();
  const pool = createPool<string>();
  using _ = instrumentPool(pool, {
    meter: metrics.meter,
    keyAttribute: undefined,
    poolName: undefined,
    now: undefined,
  });
  pool.set('a', 1);
  pool.tryAcquire()?.release();
  // No key attribute, no pool name: one point with no attributes at all.
  expect(await metrics.values(metricNames.grants)).toEqual({ [at()]: 1 });
  expect(Object.keys(await metrics.histograms(metricNames.useTime))).toEqual([at()]);
  pool.stop();
});
