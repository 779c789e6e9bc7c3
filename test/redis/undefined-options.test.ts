import { expect, test } from 'vitest';
import { readAcquireOptions, readRedisPoolOptions } from '../../src/redis/validate-options.js';

test('createRedisPool takes an explicit undefined as an absent option, filling in the default', () => {
  const read = readRedisPoolOptions({
    redis: {},
    name: 'n',
    prefix: undefined,
    leaseTtl: undefined,
    confirmReplicas: undefined,
    confirmTimeout: undefined,
    signal: undefined,
    inspect: undefined,
  });
  expect(read).toMatchObject({ prefix: 'workpool', leaseTtl: 30_000, confirmReplicas: 0, confirmTimeout: 1_000 });
});

test('acquire takes an explicit undefined key and signal as absent ones', () => {
  expect(readAcquireOptions({ key: undefined, signal: undefined }, 'acquire')).toEqual({});
});
