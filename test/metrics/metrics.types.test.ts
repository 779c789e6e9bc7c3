// Type tests of the metrics entry: `npm run typecheck` compiles them under
// this project's `exactOptionalPropertyTypes`. Functions that take a pool
// are never called: only their types matter.
import type { Meter } from '@opentelemetry/api';
import { describe, expectTypeOf, test } from 'vitest';
import type { Pool } from '../../src/index.js';
import { type InstrumentPoolOptions, instrumentPool, type PoolInstrumentation } from '../../src/metrics/index.js';
import type { RedisPool } from '../../src/redis/index.js';

type Key = 'spam' | 'eggs';

describe('instrumentPool takes either kind of pool', () => {
  test('an in-process pool of any key type', () => {
    function instrument(pool: Pool<number>, meter: Meter) {
      return instrumentPool(pool, { meter, keyAttribute: (key) => key });
    }
    expectTypeOf(instrument).returns.toEqualTypeOf<PoolInstrumentation>();
  });

  test('a Redis member', () => {
    function instrument(member: RedisPool<Key>, meter: Meter) {
      return instrumentPool(member, { meter, keyAttribute: (key) => key });
    }
    expectTypeOf(instrument).returns.toEqualTypeOf<PoolInstrumentation>();
  });

  test('a variable that holds one or the other, its key type carried into keyAttribute', () => {
    // Failed to compile while instrumentPool had one overload per kind only.
    function instrument(pool: Pool<Key> | RedisPool<Key>, meter: Meter) {
      return instrumentPool(pool, {
        meter,
        keyAttribute: (key) => {
          expectTypeOf(key).toEqualTypeOf<Key>();
          return key;
        },
      });
    }
    expectTypeOf(instrument).returns.toEqualTypeOf<PoolInstrumentation>();
  });

  test('keyAttribute must return an attribute value', () => {
    function misuse(pool: Pool<Key>, meter: Meter) {
      // @ts-expect-error: an object is no attribute value
      instrumentPool(pool, { meter, keyAttribute: (key) => ({ key }) });
    }
    expectTypeOf(misuse).toBeFunction();
  });
});

describe('options take undefined where it means absent (exactOptionalPropertyTypes)', () => {
  test('every optional option is T | undefined', () => {
    expectTypeOf<InstrumentPoolOptions<Key>['poolName']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<InstrumentPoolOptions<Key>['now']>().toEqualTypeOf<(() => number) | undefined>();
  });

  // Never called: compiling is the test; it failed before every option took `undefined`.
  function withMaybes(pool: Pool<Key>, meter: Meter, maybeName: string | undefined) {
    instrumentPool(pool, { meter, poolName: maybeName, keyAttribute: undefined, now: undefined });
  }

  test('instrumentPool compiles with options that may be undefined', () => {
    expectTypeOf(withMaybes).toBeFunction();
  });
});
