import { describe, expect, test } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createPool, PoolStoppedError } from '../src/index.js';
import { flush, track } from './support.js';

/** Whether `event` is the pool receiving an event of type `type` (seen before the pool processes it). */
function receives(event: InspectionEvent, type: string): boolean {
  return event.type === '@xstate.event' && event.event.type === type;
}

/** Whether `event` is a step of the pool's processing of an event of type `type`: seen while the pool is processing it. */
function processes(event: InspectionEvent, type: string): boolean {
  return event.type === '@xstate.microstep' && event.event.type === type;
}

describe('user code run inside a call may call back into the pool', () => {
  test('acquire settles with PoolStoppedError when its key option getter stops the pool', async () => {
    const pool = createPool<string>();
    const waiter = track(
      pool.acquire({
        get key() {
          pool.stop();
          return 'a';
        },
      }),
    );
    await flush();
    expect(waiter.reason).toBeInstanceOf(PoolStoppedError);
  });

  test('acquire settles with PoolStoppedError when its signal option getter stops the pool', async () => {
    const pool = createPool<string>();
    pool.set('a', 1);
    const waiter = track(
      pool.acquire({
        get signal() {
          pool.stop();
          return undefined;
        },
      }),
    );
    await flush();
    expect(waiter.reason).toBeInstanceOf(PoolStoppedError);
    expect(pool.get('a').active).toBe(0);
  });

  test('tryAcquire returns undefined when its key option getter stops the pool', () => {
    const pool = createPool<string>();
    pool.set('a', 1);
    const lease = pool.tryAcquire({
      get key() {
        pool.stop();
        return 'a';
      },
    });
    expect(lease).toBeUndefined();
    expect(pool.get('a').active).toBe(0);
  });

  test('acquire settles when an inspect observer stops the pool on the request’s own event', async () => {
    let armed = false;
    const pool = createPool<string>({
      inspect: (event) => {
        if (armed && receives(event, 'lease.request')) {
          armed = false;
          pool.stop();
        }
      },
    });
    armed = true;
    const waiter = track(pool.acquire({ key: 'a' }));
    await flush();
    expect(waiter.reason).toBeInstanceOf(PoolStoppedError);
  });

  test('set then get from inside an inspect observer: get reads what set did', () => {
    const seen: unknown[] = [];
    let armed = false;
    const pool = createPool<string>({
      inspect: (event) => {
        if (armed && processes(event, 'target.set')) {
          armed = false;
          pool.set('c', 1);
          seen.push(pool.get('c'));
        }
      },
    });
    armed = true;
    pool.set('a', 1);
    expect(seen).toEqual([{ target: 1, active: 0 }]);
    expect(pool.get('c')).toEqual({ target: 1, active: 0 });
  });

  test('tryAcquire from inside an inspect observer gets the free lease at once, and nothing comes back later', async () => {
    let armed = false;
    let got: unknown = 'not called';
    const pool = createPool<string>({
      inspect: (event) => {
        if (armed && processes(event, 'target.set')) {
          armed = false;
          got = pool.tryAcquire({ key: 'a' });
        }
      },
    });
    pool.set('a', 1);
    armed = true;
    pool.set('b', 1);
    await flush();
    expect(got).toMatchObject({ key: 'a' });
    expect(pool.get('a')).toEqual({ target: 1, active: 1 });
    expect(pool.actor.getSnapshot().context.leases.size).toBe(1);
  });

  test('acquire from inside an inspect observer is granted or queued before it returns', async () => {
    let armed = false;
    let counted: unknown;
    const pool = createPool<string>({
      inspect: (event) => {
        if (armed && processes(event, 'target.set')) {
          armed = false;
          void pool.acquire({ key: 'a' }).catch(() => {});
          void pool.acquire({ key: 'a' }).catch(() => {});
          counted = [pool.get('a').active, pool.actor.getSnapshot().context.waiters.size];
        }
      },
    });
    pool.set('a', 1);
    armed = true;
    pool.set('b', 1);
    expect(counted).toEqual([1, 1]);
    pool.stop();
  });
});
