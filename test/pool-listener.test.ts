import { afterEach, describe, expect, test, vi } from 'vitest';
import { createActor } from 'xstate';
import { createPool, listenToPool, type PoolListener, poolMachine } from '../src/index.js';
import { flush, track } from './support.js';

/** A listener that writes down everything it is told, one line per call. */
function recorder(): { readonly heard: string[]; readonly listener: Required<PoolListener> } {
  const heard: string[] = [];
  return {
    heard,
    listener: {
      requested: (requestId, key) => heard.push(`requested ${requestId} ${String(key)}`),
      granted: (requestId, leaseId, key) => heard.push(`granted ${requestId} ${leaseId} ${String(key)}`),
      withdrawn: (requestId, reason) => heard.push(`withdrawn ${requestId} ${String(reason)}`),
      released: (leaseId, key) => heard.push(`released ${leaseId} ${String(key)}`),
      revoked: (key, leaseIds) => heard.push(`revoked ${String(key)} ${leaseIds.join(',')}`),
      drained: () => heard.push('drained'),
      stopped: (dropped) => heard.push(`stopped ${dropped.join(',')}`),
    },
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('listenToPool: the pool actor’s one way out', () => {
  test('a raw pool actor tells a listener every request and lease event, in the order it decides them', () => {
    const actor = createActor(poolMachine).start();
    const { heard, listener } = recorder();
    listenToPool(actor, listener);
    actor.send({ type: 'target.set', key: 'k', target: 2 });
    actor.send({ type: 'lease.request', requestId: 1, anyKey: true });
    actor.send({ type: 'lease.try', requestId: 2, anyKey: false, key: 'k' });
    actor.send({ type: 'lease.request', requestId: 3, anyKey: false, key: 'k' });
    actor.send({ type: 'lease.request', requestId: 4, anyKey: true });
    actor.send({ type: 'request.cancel', requestId: 3, reason: 'gave up' });
    actor.send({ type: 'target.set', key: 'k', target: 1 });
    actor.send({ type: 'lease.release', leaseId: 2 });
    actor.send({ type: 'lease.release', leaseId: 1 });
    actor.send({ type: 'pool.stop' });
    expect(heard).toEqual([
      'requested 1 undefined',
      'granted 1 1 k',
      'granted 2 2 k',
      'requested 3 k',
      'requested 4 undefined',
      'withdrawn 3 gave up',
      'revoked k 2',
      'released 2 k',
      'released 1 k',
      'granted 4 3 k',
      'stopped ',
    ]);
    actor.send({ type: 'lease.release', leaseId: 3 });
    expect(heard.slice(-2)).toEqual(['released 3 k', 'drained']);
    expect(actor.getSnapshot().value).toBe('stopped');
  });

  test('a stop tells the waiting requests it drops, oldest first', () => {
    const actor = createActor(poolMachine).start();
    const { heard, listener } = recorder();
    listenToPool(actor, listener);
    actor.send({ type: 'lease.request', requestId: 7, anyKey: true });
    actor.send({ type: 'lease.request', requestId: 5, anyKey: false, key: 'x' });
    actor.send({ type: 'pool.stop' });
    expect(heard).toEqual(['requested 7 undefined', 'requested 5 x', 'stopped 7,5']);
  });

  test('a cancel of a request not waiting, and a release of a lease not out, tell nothing', () => {
    const actor = createActor(poolMachine).start();
    actor.send({ type: 'target.set', key: 'k', target: 1 });
    actor.send({ type: 'lease.request', requestId: 1, anyKey: true });
    const { heard, listener } = recorder();
    listenToPool(actor, listener);
    actor.send({ type: 'request.cancel', requestId: 1 });
    actor.send({ type: 'request.cancel', requestId: 99 });
    actor.send({ type: 'lease.release', leaseId: 42 });
    actor.send({ type: 'lease.release', leaseId: 1 });
    actor.send({ type: 'lease.release', leaseId: 1 });
    expect(heard).toEqual(['released 1 k', 'drained']);
  });

  test('the pool emits no XState events: actor.on hears nothing', () => {
    const actor = createActor(poolMachine).start();
    const emitted: unknown[] = [];
    actor.on('*', (event) => emitted.push(event));
    actor.send({ type: 'target.set', key: 'k', target: 1 });
    actor.send({ type: 'lease.request', requestId: 1, anyKey: true });
    actor.send({ type: 'target.set', key: 'k', target: 0 });
    actor.send({ type: 'lease.release', leaseId: 1 });
    actor.send({ type: 'pool.stop' });
    expect(emitted).toEqual([]);
  });

  test('a listener on a facade’s actor hears what the facade’s calls decide, the abort reason included', async () => {
    const pool = createPool<string>();
    const { heard, listener } = recorder();
    listenToPool(pool.actor, listener);
    pool.set('k', 1);
    const lease = pool.tryAcquire({ key: 'k' });
    const controller = new AbortController();
    const waiter = track(pool.acquire({ key: 'k', signal: controller.signal }));
    controller.abort('no longer needed');
    lease?.release();
    await flush();
    expect(waiter.reason).toBe('no longer needed');
    expect(heard).toEqual([
      'granted 1 1 k',
      'requested 2 k',
      'withdrawn 2 no longer needed',
      'released 1 k',
      'drained',
    ]);
  });

  test('the function it returns stops the listener, and calling it again does nothing', () => {
    const actor = createActor(poolMachine).start();
    const { heard, listener } = recorder();
    const other = recorder();
    const unlisten = listenToPool(actor, listener);
    listenToPool(actor, other.listener);
    actor.send({ type: 'target.set', key: 'k', target: 1 });
    actor.send({ type: 'lease.try', requestId: 1, anyKey: true });
    unlisten();
    unlisten();
    actor.send({ type: 'lease.release', leaseId: 1 });
    expect(heard).toEqual(['granted 1 1 k']);
    expect(other.heard).toEqual(['granted 1 1 k', 'released 1 k', 'drained']);
  });

  test('a listener that throws is reported; the other listeners are told and the pool goes on', () => {
    const reported: unknown[] = [];
    vi.stubGlobal('reportError', (error: unknown) => reported.push(error));
    const actor = createActor(poolMachine).start();
    const broken = new Error('listener broke');
    listenToPool(actor, {
      granted: () => {
        throw broken;
      },
    });
    const { heard, listener } = recorder();
    listenToPool(actor, listener);
    actor.send({ type: 'target.set', key: 'k', target: 1 });
    actor.send({ type: 'lease.try', requestId: 1, anyKey: true });
    actor.send({ type: 'lease.release', leaseId: 1 });
    expect(reported).toEqual([broken]);
    expect(heard).toEqual(['granted 1 1 k', 'released 1 k', 'drained']);
    expect(actor.getSnapshot().status).toBe('active');
  });

  test('rejects an actor that is not a pool actor, and a listener that is not an object', () => {
    const actor = createActor(poolMachine);
    expect(() => listenToPool({} as never, {})).toThrow(TypeError);
    expect(() => listenToPool(actor, null as never)).toThrow(TypeError);
  });
});

describe('listenToPool: a listener may call back into the pool', () => {
  test('a raw actor’s listener that releases each lease it hears granted leaves every lease back before send returns', () => {
    const actor = createActor(poolMachine).start();
    const released: number[] = [];
    listenToPool(actor, {
      granted: (_requestId, leaseId) => actor.send({ type: 'lease.release', leaseId }),
      released: (leaseId) => released.push(leaseId),
    });
    actor.send({ type: 'target.set', key: 'k', target: 1 });
    actor.send({ type: 'lease.request', requestId: 1, anyKey: true });
    actor.send({ type: 'lease.request', requestId: 2, anyKey: true });
    expect(released).toEqual([1, 2]);
    expect(actor.getSnapshot().context.leases.size).toBe(0);
    expect(actor.getSnapshot().context.groups.get('k')?.counts()).toMatchObject({ target: 1, active: 0 });
  });

  test('a facade pool’s listener that calls set, acquire and release acts before the outermost call returns', async () => {
    const pool = createPool<string>();
    const granted: number[] = [];
    let reacted = false;
    listenToPool(pool.actor, {
      requested: () => {
        if (reacted) return;
        reacted = true;
        pool.set('k', 2);
      },
      granted: (_requestId, leaseId) => granted.push(leaseId),
    });
    const first = track(pool.acquire({ key: 'k' }));
    expect(pool.get('k')).toEqual({ target: 2, active: 1 });
    await flush();
    expect(first.state).toBe('fulfilled');
    expect(granted).toEqual([1]);
    first.value?.release();
    expect(pool.get('k')).toEqual({ target: 2, active: 0 });
  });

  test('a tryAcquire made from a listener gets nothing, and the lease it would have had comes back at once', () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    const tried: unknown[] = [];
    listenToPool(pool.actor, {
      granted: () => {
        if (tried.length === 0) tried.push(pool.tryAcquire({ key: 'k' }));
      },
    });
    const lease = pool.tryAcquire({ key: 'k' });
    expect(lease?.id).toBe(1);
    expect(tried).toEqual([undefined]);
    expect(pool.get('k')).toEqual({ target: 2, active: 1 });
    expect(pool.actor.getSnapshot().context.leases.size).toBe(1);
  });

  test('a listener that stops the pool when it hears a grant lets the grant be delivered and drops the rest', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    listenToPool(pool.actor, { granted: () => pool.stop() });
    const first = track(pool.acquire());
    const second = track(pool.acquire());
    await flush();
    expect(first.state).toBe('fulfilled');
    expect(second.state).toBe('rejected');
    first.value?.release();
    expect(pool.actor.getSnapshot().value).toBe('stopped');
  });
});
