import { getEventListeners } from 'node:events';
import { describe, expect, test } from 'vitest';
import { createPool } from '../src/index.js';
import { flush, track } from './support.js';

describe('S7 abort', () => {
  test('an aborted acquire rejects with the signal’s reason and leaves the queue', async () => {
    const pool = createPool<string>();
    const controller = new AbortController();
    const waiter = track(pool.acquire({ signal: controller.signal }));
    const reason = new Error('give up');
    controller.abort(reason);
    await flush();
    expect(waiter.reason).toBe(reason);
    expect(pool.actor.getSnapshot().context.waiters.size).toBe(0);
    pool.set('k', 1);
    expect(pool.get('k')).toEqual({ target: 1, active: 0 });
  });

  test('an already-aborted signal rejects at once without queueing', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const reason = new Error('already');
    await expect(pool.acquire({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(pool.get('k')).toEqual({ target: 1, active: 0 });
  });

  test('aborting after the grant keeps the lease delivered', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const controller = new AbortController();
    const pending = pool.acquire({ signal: controller.signal });
    controller.abort();
    const lease = await pending;
    expect(pool.get('k')).toEqual({ target: 1, active: 1 });
    lease.release();
    expect(pool.get('k')).toEqual({ target: 1, active: 0 });
  });

  test('an abort fired by an inspect observer while the pool decides a grant acts after it: the lease is delivered and counted once', async () => {
    const controller = new AbortController();
    let armed = false;
    // The observer sees the action that hands the released lease to the waiter, while the pool is still processing the release.
    const pool = createPool<string>({
      inspect: (event) => {
        if (armed && event.type === '@xstate.action' && event.action.type === 'releaseLease') controller.abort();
      },
    });
    pool.set('k', 1);
    const held = pool.tryAcquire();
    const waiter = track(pool.acquire({ signal: controller.signal }));
    const next = track(pool.acquire());
    armed = true;
    held?.release();
    armed = false;
    await flush();
    expect(controller.signal.aborted).toBe(true);
    expect(waiter.state).toBe('fulfilled');
    expect(next.state).toBe('pending');
    expect(pool.get('k')).toEqual({ target: 1, active: 1 });
    expect(pool.actor.getSnapshot().context.leases.size).toBe(1);
    pool.stop();
  });

  test('a grant to a request the pool’s caller does not know (a raw event sent to pool.actor) is given back at once', () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    pool.actor.send({ type: 'lease.request', requestId: 1_000_000, anyKey: true });
    expect(pool.get('k')).toEqual({ target: 1, active: 0 });
    expect(pool.actor.getSnapshot().context.leases.size).toBe(0);
    expect(pool.tryAcquire()).toBeDefined();
  });

  test('aborting one waiter lets the next one be served', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const held = pool.tryAcquire();
    const controller = new AbortController();
    const first = track(pool.acquire({ signal: controller.signal }));
    const second = track(pool.acquire());
    controller.abort();
    held?.release();
    await flush();
    expect(first.state).toBe('rejected');
    expect(second.state).toBe('fulfilled');
  });

  test('acquires sharing one signal register one abort listener on it, removed once none is pending', async () => {
    const pool = createPool<string>();
    const controller = new AbortController();
    const waiters = Array.from({ length: 1000 }, () => track(pool.acquire({ signal: controller.signal })));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    pool.set('k', 1000);
    await flush();
    expect(waiters.every((w) => w.state === 'fulfilled')).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  test('aborting a signal shared by many waiters rejects each with its reason and leaves the others served', async () => {
    const pool = createPool<string>();
    const shared = new AbortController();
    const own = new AbortController();
    const first = track(pool.acquire({ signal: shared.signal }));
    const kept = track(pool.acquire({ signal: own.signal }));
    const second = track(pool.acquire({ key: 'k', signal: shared.signal }));
    const reason = new Error('shutting down');
    shared.abort(reason);
    await flush();
    expect([first.reason, second.reason]).toEqual([reason, reason]);
    expect(kept.state).toBe('pending');
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    pool.set('k', 1);
    await flush();
    expect(kept.state).toBe('fulfilled');
    expect(getEventListeners(own.signal, 'abort')).toHaveLength(0);
  });

  test('a waiter that aborts another’s shared signal from its rejection handler leaves nothing pending', async () => {
    const pool = createPool<string>();
    const a = new AbortController();
    const b = new AbortController();
    const first = pool.acquire({ signal: a.signal }).catch(() => b.abort());
    const second = track(pool.acquire({ signal: b.signal }));
    const third = track(pool.acquire({ signal: a.signal }));
    a.abort();
    await first;
    await flush();
    expect(second.state).toBe('rejected');
    expect(third.state).toBe('rejected');
    expect(pool.actor.getSnapshot().context.waiters.size).toBe(0);
  });
});
