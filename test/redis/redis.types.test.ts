// Type tests of the Redis entry: `npm run typecheck` compiles them under
// this project's `exactOptionalPropertyTypes`, so an option that stops
// accepting `undefined` fails the build. Functions that take a pool are
// never called: only their types matter.
import { describe, expectTypeOf, test } from 'vitest';
import {
  type CreateRedisPoolOptions,
  createRedisPool,
  type RedisAcquireOptions,
  type RedisLease,
  type RedisPool,
  type RedisTryAcquireOptions,
} from '../../src/redis/index.js';

type Key = 'spam' | 'eggs';

describe('createRedisPool<K>() carries K into every call', () => {
  test('it resolves to a RedisPool<K>', () => {
    expectTypeOf(createRedisPool<Key>).returns.resolves.toEqualTypeOf<RedisPool<Key>>();
  });

  test('acquire resolves to a RedisLease<K>, tryAcquire to one or undefined', () => {
    expectTypeOf<RedisPool<Key>['acquire']>().returns.resolves.toEqualTypeOf<RedisLease<Key>>();
    expectTypeOf<RedisPool<Key>['tryAcquire']>().returns.resolves.toEqualTypeOf<RedisLease<Key> | undefined>();
  });

  test('a key that is not a K is a compile error', () => {
    function misuse(member: RedisPool<Key>) {
      // @ts-expect-error: 'ham' is not a key of this pool
      void member.acquire({ key: 'ham' });
      // @ts-expect-error: 'ham' is not a key of this pool
      void member.set('ham', 1);
    }
    expectTypeOf(misuse).toBeFunction();
  });
});

describe('options take undefined where it means absent (exactOptionalPropertyTypes)', () => {
  test('every optional option of createRedisPool is T | undefined', () => {
    expectTypeOf<CreateRedisPoolOptions['prefix']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<CreateRedisPoolOptions['leaseTtl']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<CreateRedisPoolOptions['confirmReplicas']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<CreateRedisPoolOptions['confirmTimeout']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<CreateRedisPoolOptions['signal']>().toEqualTypeOf<AbortSignal | undefined>();
  });

  test('acquire, run, leases and tryAcquire take a key that may be undefined', () => {
    expectTypeOf<RedisAcquireOptions<Key>['key']>().toEqualTypeOf<Key | undefined>();
    expectTypeOf<RedisTryAcquireOptions<Key>['key']>().toEqualTypeOf<Key | undefined>();
  });

  // Never called: compiling is the test. Each line failed to compile before every option took `undefined`.
  function withMaybes(
    member: RedisPool<Key>,
    maybeKey: Key | undefined,
    maybeSignal: AbortSignal | undefined,
    maybeNumber: number | undefined,
    maybePrefix: string | undefined,
  ) {
    void member.acquire({ key: maybeKey, signal: maybeSignal });
    void member.run(() => 1, { key: maybeKey, signal: maybeSignal });
    void member.leases({ key: maybeKey, signal: maybeSignal });
    void member.tryAcquire({ key: maybeKey });
    void createRedisPool<Key>({
      redis: undefined,
      name: 'crawler',
      prefix: maybePrefix,
      leaseTtl: maybeNumber,
      confirmReplicas: maybeNumber,
      confirmTimeout: maybeNumber,
      signal: maybeSignal,
      inspect: undefined,
    });
  }

  test('acquire, run, leases, tryAcquire and createRedisPool compile with options that may be undefined', () => {
    expectTypeOf(withMaybes).toBeFunction();
  });
});
