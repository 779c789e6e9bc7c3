import { describe, expect, test } from 'vitest';
import { createPool, type Lease, PoolStoppedError } from '../src/index.js';
import { flush, track } from './support.js';

describe('faults', () => {
  test('a consumer that throws inside for await leaves no waiter and no lease behind', async () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    const failure = new Error('consumer failed');
    await expect(
      (async () => {
        for await (const lease of pool.leases()) {
          try {
            throw failure;
          } finally {
            lease.release();
          }
        }
      })(),
    ).rejects.toBe(failure);
    expect(pool.get('k')).toEqual({ target: 2, active: 0 });
    expect(pool.actor.getSnapshot().context.waiters.size).toBe(0);
  });

  test('a lease released from inside another lease’s continuation is handed on', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const first = await pool.acquire();
    const second = track(pool.acquire());
    const third = track(pool.acquire());
    second.promise.then((lease) => lease.release());
    first.release();
    await flush();
    expect(second.state).toBe('fulfilled');
    expect(third.state).toBe('fulfilled');
    expect(pool.get('k')).toEqual({ target: 1, active: 1 });
  });

  test('a release from an inspect observer that sees the pool processing another event acts after that event, in order', async () => {
    let releaseInside: Lease<string> | undefined;
    const pool = createPool<string>({
      inspect: (event) => {
        if (
          releaseInside &&
          event.type === '@xstate.event' &&
          (event.event as { type: string }).type === 'target.set'
        ) {
          const lease = releaseInside;
          releaseInside = undefined;
          lease.release();
        }
      },
    });
    pool.set('a', 1);
    const held = pool.tryAcquire();
    const waiter = track(pool.acquire({ key: 'a' }));
    releaseInside = held;
    pool.set('b', 1);
    await flush();
    expect(waiter.state).toBe('fulfilled');
    expect(pool.get('a')).toEqual({ target: 1, active: 1 });
    expect(pool.get('b')).toEqual({ target: 1, active: 0 });
  });

  test('stop() from inside a grant continuation rejects the other waiters and keeps the granted lease counted', async () => {
    const pool = createPool<string>();
    pool.set('k', 1);
    const held = pool.tryAcquire();
    const granted = pool.acquire().then((lease) => {
      pool.stop();
      return lease;
    });
    const behind = track(pool.acquire());
    held?.release();
    const lease = await granted;
    await flush();
    expect(behind.reason).toBeInstanceOf(PoolStoppedError);
    expect(pool.get('k')).toEqual({ target: 1, active: 1 });
    const drained = track(pool.drained());
    lease.release();
    await flush();
    expect(drained.state).toBe('fulfilled');
    expect(pool.actor.getSnapshot().value).toBe('stopped');
  });

  test('stop() from an inspect observer that sees a grant being decided lets the grant finish and stops after it', async () => {
    let stopInside = false;
    const pool = createPool<string>({
      inspect: (event) => {
        if (stopInside && event.type === '@xstate.action' && event.action.type === 'releaseLease') {
          stopInside = false;
          pool.stop();
        }
      },
    });
    pool.set('k', 1);
    const held = pool.tryAcquire();
    const first = track(pool.acquire());
    const second = track(pool.acquire());
    stopInside = true;
    held?.release();
    await flush();
    expect(first.state).toBe('fulfilled');
    expect(second.reason).toBeInstanceOf(PoolStoppedError);
    expect(pool.get('k')).toEqual({ target: 1, active: 1 });
    first.value?.release();
    expect(pool.actor.getSnapshot().value).toBe('stopped');
  });

  test('aborting the parent signal while waiters are queued rejects them all and stops the pool', async () => {
    const controller = new AbortController();
    const pool = createPool<string>({ signal: controller.signal });
    pool.set('k', 1);
    const held = pool.tryAcquire();
    const waiters = [track(pool.acquire()), track(pool.acquire({ key: 'k' })), track(pool.acquire({ key: 'x' }))];
    controller.abort();
    await flush();
    for (const waiter of waiters) expect(waiter.reason).toBeInstanceOf(PoolStoppedError);
    expect(pool.stopped).toBe(true);
    held?.release();
    expect(pool.actor.getSnapshot().value).toBe('stopped');
  });

  test('a signal given to acquire that aborts after the pool stopped changes nothing', async () => {
    const pool = createPool<string>();
    const controller = new AbortController();
    const waiter = track(pool.acquire({ signal: controller.signal }));
    pool.stop();
    controller.abort(new Error('late'));
    await flush();
    expect(waiter.reason).toBeInstanceOf(PoolStoppedError);
  });
});
