// Type tests: `npm run typecheck` compiles them, so a broken inference or a
// call that stops being a compile error fails the build. Functions that
// take a pool are never called: only their types matter.
import { describe, expectTypeOf, test } from 'vitest';
import {
  type AcquireOptions,
  type Counts,
  createPool,
  type Lease,
  type Pool,
  type PoolStoppedError,
  type TryAcquireOptions,
  zeroLease,
} from '../src/index.js';

type Key = 'spam' | 'eggs';

describe('createPool<K>() carries K into every call', () => {
  test('it returns a Pool<K>', () => {
    expectTypeOf(createPool<Key>).returns.toEqualTypeOf<Pool<Key>>();
  });

  test('without K the keys are unknown', () => {
    expectTypeOf(createPool).returns.toEqualTypeOf<Pool<unknown>>();
  });

  test('set and get take a K', () => {
    expectTypeOf<Pool<Key>['set']>().parameters.toEqualTypeOf<[key: Key, target: number]>();
    expectTypeOf<Pool<Key>['get']>().parameters.toEqualTypeOf<[key: Key]>();
    expectTypeOf<Pool<Key>['get']>().returns.toEqualTypeOf<Counts>();
  });

  test('acquire resolves to a Lease<K> and its key option is a K', () => {
    expectTypeOf<Pool<Key>['acquire']>().returns.resolves.toEqualTypeOf<Lease<Key>>();
    expectTypeOf<Pool<Key>['acquire']>().parameter(0).toEqualTypeOf<AcquireOptions<Key> | undefined>();
    expectTypeOf<AcquireOptions<Key>['key']>().toEqualTypeOf<Key | undefined>();
  });

  test('tryAcquire returns a Lease<K> or undefined and its key option is a K', () => {
    expectTypeOf<Pool<Key>['tryAcquire']>().returns.toEqualTypeOf<Lease<Key> | undefined>();
    expectTypeOf<TryAcquireOptions<Key>['key']>().toEqualTypeOf<Key | undefined>();
  });

  test('leases iterates Lease<K>', () => {
    expectTypeOf<Pool<Key>['leases']>().returns.toEqualTypeOf<AsyncIterableIterator<Lease<Key>, undefined>>();
    async function consume(pool: Pool<Key>) {
      for await (const lease of pool.leases({ key: 'spam' })) expectTypeOf(lease.key).toEqualTypeOf<Key>();
    }
    expectTypeOf(consume).returns.resolves.toBeVoid();
  });

  test("run hands fn a Lease<K> and resolves to fn's result", () => {
    async function work(pool: Pool<Key>) {
      const sync = await pool.run((lease) => {
        expectTypeOf(lease).toEqualTypeOf<Lease<Key>>();
        return lease.id;
      });
      expectTypeOf(sync).toEqualTypeOf<number>();
      const async = await pool.run(async (lease) => lease.key, { key: 'eggs' });
      expectTypeOf(async).toEqualTypeOf<Key>();
    }
    expectTypeOf(work).returns.resolves.toBeVoid();
  });

  test('keys returns K[]', () => {
    expectTypeOf<Pool<Key>['keys']>().returns.toEqualTypeOf<Key[]>();
  });
});

describe('a wrong key is a compile error', () => {
  test('in set and get', () => {
    function misuse(pool: Pool<Key>) {
      // @ts-expect-error: 'ham' is not a Key
      pool.set('ham', 1);
      // @ts-expect-error: a number is not a Key
      pool.get(1);
      // @ts-expect-error: the target is a number
      pool.set('spam', '2');
    }
    expectTypeOf(misuse).toBeFunction();
  });

  test('in acquire, tryAcquire, leases and run', () => {
    function misuse(pool: Pool<Key>) {
      // @ts-expect-error: 'ham' is not a Key
      void pool.acquire({ key: 'ham' });
      // @ts-expect-error: 'ham' is not a Key
      pool.tryAcquire({ key: 'ham' });
      // @ts-expect-error: 'ham' is not a Key
      pool.leases({ key: 'ham' });
      // @ts-expect-error: 'ham' is not a Key
      void pool.run(() => 1, { key: 'ham' });
    }
    expectTypeOf(misuse).toBeFunction();
  });

  test('a misspelt or misplaced option', () => {
    function misuse(pool: Pool<Key>, signal: AbortSignal) {
      // @ts-expect-error: the option is `key`
      void pool.acquire({ keys: 'spam' });
      // @ts-expect-error: tryAcquire never waits, so it takes no signal
      pool.tryAcquire({ signal });
      // @ts-expect-error: signal is an AbortSignal
      void pool.acquire({ signal: 'soon' });
      // @ts-expect-error: createPool takes no key option
      createPool<Key>({ key: 'spam' });
    }
    expectTypeOf(misuse).toBeFunction();
  });
});

describe('leases', () => {
  test('a lease is disposable, so `using` releases it', () => {
    expectTypeOf<Lease<Key>>().toExtend<Disposable>();
    async function scoped(pool: Pool<Key>) {
      using lease = await pool.acquire();
      expectTypeOf(lease.key).toEqualTypeOf<Key>();
    }
    expectTypeOf(scoped).returns.resolves.toBeVoid();
  });

  test('the zero lease stands in for a lease of any key type', () => {
    expectTypeOf(zeroLease).toExtend<Lease<Key>>();
    expectTypeOf(zeroLease.id).toEqualTypeOf<number>();
  });

  test('a lease has readonly id and key', () => {
    function misuse(lease: Lease<Key>) {
      // @ts-expect-error: id is readonly
      lease.id = 2;
      // @ts-expect-error: key is readonly
      lease.key = 'eggs';
    }
    expectTypeOf(misuse).toBeFunction();
  });
});

describe('the rest of the pool', () => {
  test('stop, drained, signal, done and stopped', () => {
    expectTypeOf<Pool<Key>['stop']>().returns.toBeVoid();
    expectTypeOf<Pool<Key>['drained']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<Pool<Key>['signal']>().toEqualTypeOf<AbortSignal>();
    expectTypeOf<Pool<Key>['done']>().toEqualTypeOf<Promise<void>>();
    expectTypeOf<Pool<Key>['stopped']>().toEqualTypeOf<boolean>();
  });

  test('PoolStoppedError is an Error with a literal name', () => {
    expectTypeOf<PoolStoppedError>().toExtend<Error>();
    expectTypeOf<PoolStoppedError['name']>().toEqualTypeOf<'PoolStoppedError'>();
  });
});

describe('options take undefined where it means absent (exactOptionalPropertyTypes, which this project compiles with)', () => {
  // Never called: compiling is the test.
  function withMaybes(pool: Pool<Key>, maybeKey: Key | undefined, maybeSignal: AbortSignal | undefined) {
    void pool.acquire({ key: maybeKey, signal: maybeSignal });
    void pool.run(() => 1, { key: maybeKey, signal: maybeSignal });
    void pool.leases({ key: maybeKey, signal: maybeSignal });
    void pool.tryAcquire({ key: maybeKey });
    void pool.waiting({ key: maybeKey });
    void createPool<Key>({ signal: maybeSignal, inspect: undefined, defaultTarget: undefined });
  }

  test('acquire, run, leases, tryAcquire, waiting and createPool accept undefined options', () => {
    expectTypeOf(withMaybes).toBeFunction();
  });
});
