import { afterEach, describe, expect, test, vi } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createPool, type Lease, LeaseRevokedError, listenToPool, PoolStoppedError, zeroLease } from '../src/index.js';
import { flush, track } from './support.js';

/** Takes `n` leases of `key` from `pool`, in grant order. */
function take<K>(pool: ReturnType<typeof createPool<K>>, key: K, n: number): Lease<K>[] {
  return Array.from({ length: n }, () => {
    const lease = pool.tryAcquire({ key });
    if (!lease) throw new Error(`no lease of ${String(key)} to take`);
    return lease;
  });
}

const abortedWith = (lease: Lease<unknown>) => (lease.signal.aborted ? lease.signal.reason : undefined);

describe('lease.signal: revocation when set lowers a target', () => {
  test('set below the leases out aborts the newest leases within the call, with LeaseRevokedError naming the key', () => {
    const pool = createPool<string>();
    pool.set('k', 3);
    const [a, b, c] = take(pool, 'k', 3) as [Lease<string>, Lease<string>, Lease<string>];
    const signals = [a.signal, b.signal, c.signal];
    pool.set('k', 1);
    expect(signals.map((s) => s.aborted)).toEqual([false, true, true]);
    expect(c.signal.reason).toBeInstanceOf(LeaseRevokedError);
    expect((c.signal.reason as LeaseRevokedError).key).toBe('k');
    expect((c.signal.reason as Error).message).toContain('"k"');
  });

  test('set(k, 0) revokes every lease of the group', () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    const leases = take(pool, 'k', 2);
    for (const lease of leases) void lease.signal;
    pool.set('k', 0);
    expect(leases.map((l) => abortedWith(l) instanceof LeaseRevokedError)).toEqual([true, true]);
  });

  test('a signal first read after the revocation reads as already aborted', () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    const [, newest] = take(pool, 'k', 2) as [Lease<string>, Lease<string>];
    pool.set('k', 1);
    expect(abortedWith(newest)).toBeInstanceOf(LeaseRevokedError);
  });

  test('revoked leases keep counting until released', () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    const leases = take(pool, 'k', 2);
    pool.set('k', 0);
    expect(pool.get('k')).toEqual({ target: 0, active: 2 });
    leases[0]?.release();
    expect(pool.get('k')).toEqual({ target: 0, active: 1 });
  });

  test('raising the target again does not undo a revocation, and new leases are not revoked', () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    const [, revoked] = take(pool, 'k', 2) as [Lease<string>, Lease<string>];
    pool.set('k', 1);
    pool.set('k', 5);
    expect(abortedWith(revoked)).toBeInstanceOf(LeaseRevokedError);
    const fresh = pool.tryAcquire({ key: 'k' });
    expect(fresh?.signal.aborted).toBe(false);
  });

  test('lowering a target that leaves at most target unrevoked leases out revokes nothing more', () => {
    const pool = createPool<string>();
    pool.set('k', 3);
    const leases = take(pool, 'k', 3);
    pool.set('k', 2);
    pool.set('k', 3);
    pool.set('k', 2);
    expect(leases.map((l) => l.signal.aborted)).toEqual([false, false, true]);
  });

  test('a lease released before the revocation is not revoked; the next newest is', () => {
    const pool = createPool<string>();
    pool.set('k', 3);
    const [a, b, c] = take(pool, 'k', 3) as [Lease<string>, Lease<string>, Lease<string>];
    c.release();
    pool.set('k', 1);
    expect([a.signal.aborted, b.signal.aborted, c.signal.aborted]).toEqual([false, true, false]);
  });

  test('only the lowered group is touched', () => {
    const pool = createPool<string>();
    pool.set('a', 1);
    pool.set('b', 1);
    const [other] = take(pool, 'b', 1) as [Lease<string>];
    take(pool, 'a', 1);
    pool.set('a', 0);
    expect(other.signal.aborted).toBe(false);
  });
});

describe('lease.signal: stop', () => {
  test('stop aborts the signal of every lease out with PoolStoppedError, read before or after', () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    const [readBefore, readAfter] = take(pool, 'k', 2) as [Lease<string>, Lease<string>];
    const signal = readBefore.signal;
    pool.stop();
    expect(signal.reason).toBeInstanceOf(PoolStoppedError);
    expect(abortedWith(readAfter)).toBeInstanceOf(PoolStoppedError);
  });

  test('a lease revoked before stop keeps LeaseRevokedError as its reason', () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const [lease] = take(pool, 'k', 1) as [Lease<string>];
    pool.set('k', 0);
    pool.stop();
    expect(abortedWith(lease)).toBeInstanceOf(LeaseRevokedError);
  });
});

describe('lease.signal: never after release, never for the zero lease', () => {
  test('a released lease whose signal was read never aborts afterwards', () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const lease = pool.tryAcquire() as Lease<string>;
    const signal = lease.signal;
    lease.release();
    pool.set('k', 0);
    pool.stop();
    expect(signal.aborted).toBe(false);
  });

  test('a released lease whose signal is first read after stop is not aborted', () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const lease = pool.tryAcquire() as Lease<string>;
    lease.release();
    pool.stop();
    expect(lease.signal.aborted).toBe(false);
  });

  test('a lease revoked, then released, keeps its aborted signal when first read later', () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const lease = pool.tryAcquire() as Lease<string>;
    pool.set('k', 0);
    lease.release();
    expect(abortedWith(lease)).toBeInstanceOf(LeaseRevokedError);
  });

  test("the zero lease's signal never aborts", () => {
    const pool = createPool<string>();
    pool.stop();
    expect(zeroLease.signal.aborted).toBe(false);
  });
});

describe('lease.signal: free when unused', () => {
  afterEach(() => vi.unstubAllGlobals());

  test('grants and releases whose signals are never read make no AbortController', () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    let made = 0;
    const Real = AbortController;
    vi.stubGlobal(
      'AbortController',
      class extends Real {
        constructor() {
          super();
          made++;
        }
      },
    );
    for (let i = 0; i < 100; i++) pool.tryAcquire()?.release();
    const held = pool.tryAcquire();
    pool.set('k', 0);
    held?.release();
    expect(made).toBe(0);
  });
});

describe('lease.signal: the actors show revocations', () => {
  test('the pool actor tells its listeners the revoked ids, newest first, in the event that lowers the target', () => {
    const seen: InspectionEvent[] = [];
    const pool = createPool<string>({ inspect: (e) => seen.push(e) });
    pool.set('k', 3);
    const leases = take(pool, 'k', 3);
    const revoked: unknown[] = [];
    listenToPool(pool.actor, { revoked: (key, leaseIds) => revoked.push({ key, leaseIds }) });
    pool.set('k', 1);
    expect(revoked).toEqual([{ key: 'k', leaseIds: [leases[2]?.id, leases[1]?.id] }]);
    expect(pool.actor.getSnapshot().context.leases.toJSON()).toMatchObject({ out: 3, revoked: 2 });
  });
});

describe('lease.signal: listeners may call back into the pool', () => {
  test('a revocation listener that releases its lease hands the capacity to a waiter before set returns', async () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    const [, newest] = take(pool, 'k', 2) as [Lease<string>, Lease<string>];
    const waiter = track(pool.acquire({ key: 'k' }));
    newest.signal.addEventListener('abort', () => newest.release());
    pool.set('k', 1);
    expect(pool.get('k')).toEqual({ target: 1, active: 1 });
    pool.set('k', 2);
    await flush();
    expect(waiter.state).toBe('fulfilled');
  });

  test('a revocation listener sees the new target and can set, acquire and stop at once', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    pool.set('other', 1);
    const lease = pool.tryAcquire({ key: 'k' }) as Lease<string>;
    const seen: unknown[] = [];
    let got: ReturnType<typeof track<Lease<string>>> | undefined;
    lease.signal.addEventListener('abort', () => {
      seen.push(pool.get('k'));
      pool.set('k', 3);
      seen.push(pool.get('k'));
      seen.push(pool.tryAcquire({ key: 'other' })?.key);
      got = track(pool.acquire({ key: 'k' }));
      pool.stop();
    });
    pool.set('k', 0);
    await flush();
    expect(seen).toEqual([{ target: 0, active: 1 }, { target: 3, active: 1 }, 'other']);
    expect(got?.state).toBe('fulfilled');
    expect(pool.stopped).toBe(true);
  });

  test('a stop listener on a lease signal that releases gives the lease to no waiter, and drained resolves', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const lease = pool.tryAcquire() as Lease<string>;
    const waiter = track(pool.acquire());
    const drained = track(pool.drained());
    lease.signal.addEventListener('abort', () => lease.release());
    pool.stop();
    await flush();
    expect(waiter.reason).toBeInstanceOf(PoolStoppedError);
    expect(drained.state).toBe('fulfilled');
    expect(pool.get('k')).toEqual({ target: 1, active: 0 });
    expect(pool.actor.getSnapshot().value).toBe('stopped');
  });
});
