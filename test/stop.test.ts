import { describe, expect, test } from 'vitest';
import { createPool, PoolStoppedError } from '../src/index.js';
import { flush, track } from './support.js';

describe('S8 stop', () => {
  test('stop rejects every pending acquire with PoolStoppedError', async () => {
    const pool = createPool<string>();
    const waiters = [track(pool.acquire()), track(pool.acquire({ key: 'x' }))];
    pool.stop();
    await flush();
    for (const waiter of waiters) expect(waiter.reason).toBeInstanceOf(PoolStoppedError);
    expect(pool.actor.getSnapshot().context.waiters.size).toBe(0);
  });

  test('stop aborts pool.signal and resolves pool.done', async () => {
    const pool = createPool<string>();
    const done = track(pool.done);
    pool.stop();
    expect(pool.signal.aborted).toBe(true);
    expect(pool.signal.reason).toBeInstanceOf(PoolStoppedError);
    expect(pool.stopped).toBe(true);
    await flush();
    expect(done.state).toBe('fulfilled');
  });

  test('after stop, acquire rejects, tryAcquire returns undefined and set throws', async () => {
    const pool = createPool<string>();
    pool.set('k', 5);
    pool.stop();
    await expect(pool.acquire()).rejects.toBeInstanceOf(PoolStoppedError);
    expect(pool.tryAcquire()).toBeUndefined();
    expect(() => pool.set('k', 1)).toThrow(PoolStoppedError);
  });

  test('stop is idempotent', () => {
    const pool = createPool<string>();
    pool.stop();
    expect(() => pool.stop()).not.toThrow();
    expect(pool.actor.getSnapshot().value).toBe('stopped');
  });

  test('leases out keep counting after stop until released, and release still works', async () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    const lease = await pool.acquire();
    pool.set('idle', 1);
    pool.stop();
    expect(pool.get('k')).toEqual({ target: 2, active: 1 });
    expect(pool.actor.getSnapshot().value).toBe('stopping');
    lease.release();
    expect(pool.get('k')).toEqual({ target: 2, active: 0 });
    expect(pool.actor.getSnapshot().value).toBe('stopped');
  });

  test('stop changes no target: get reports each target as last set, before and after the last release', async () => {
    const pool = createPool<string>();
    pool.set('k', 3);
    pool.set('idle', 1);
    const lease = await pool.acquire({ key: 'k' });
    pool.stop();
    expect(pool.get('k')).toEqual({ target: 3, active: 1 });
    expect(pool.get('idle')).toEqual({ target: 1, active: 0 });
    lease.release();
    expect(pool.get('k')).toEqual({ target: 3, active: 0 });
    expect(pool.get('idle')).toEqual({ target: 1, active: 0 });
  });

  test('after stop, keys() still lists the keys the pool had, in creation order', async () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    pool.set('idle', 1);
    const lease = await pool.acquire({ key: 'k' });
    pool.stop();
    expect(pool.keys()).toEqual(['k', 'idle']);
    lease.release();
    expect(pool.keys()).toEqual(['k', 'idle']);
  });

  test('a group with leases out at stop is closing until its last release, then closed with its actor stopped', async () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    const a = await pool.acquire();
    const b = await pool.acquire();
    const ref = pool.actor.getSnapshot().context.groups.get('k')?.ref;
    pool.stop();
    expect(ref?.getSnapshot().value).toBe('closing');
    a.release();
    expect(ref?.getSnapshot().value).toBe('closing');
    expect(ref?.getSnapshot().status).toBe('active');
    b.release();
    expect(ref?.getSnapshot().value).toBe('closed');
    expect(ref?.getSnapshot().status).toBe('stopped');
    expect(ref?.getSnapshot().context).toMatchObject({ target: 2, active: 0 });
  });

  test('a group draining to target 0 at stop is removed at its last release; the others keep their targets', async () => {
    const pool = createPool<string>();
    pool.set('a', 1);
    const lease = await pool.acquire({ key: 'a' });
    pool.set('a', 0);
    pool.set('b', 1);
    pool.set('c', 2);
    pool.set('d', 3);
    pool.stop();
    expect(pool.keys()).toEqual(['a', 'b', 'c', 'd']);
    expect(pool.get('a')).toEqual({ target: 0, active: 1 });
    expect(pool.actor.getSnapshot().value).toBe('stopping');
    lease.release();
    expect(pool.keys()).toEqual(['b', 'c', 'd']);
    expect(pool.get('c')).toEqual({ target: 2, active: 0 });
    expect(pool.actor.getSnapshot().value).toBe('stopped');
  });

  test('drained resolves once the last lease is released, after stop', async () => {
    const pool = createPool<string>();
    pool.set('k', 2);
    const a = await pool.acquire();
    const b = await pool.acquire();
    pool.stop();
    const drained = track(pool.drained());
    a.release();
    await flush();
    expect(drained.state).toBe('pending');
    b.release();
    await flush();
    expect(drained.state).toBe('fulfilled');
  });

  test('drained works before stop and resolves at once when nothing is out', async () => {
    const pool = createPool<string>();
    await pool.drained();
    pool.set('k', 1);
    const lease = await pool.acquire();
    const drained = track(pool.drained());
    await flush();
    expect(drained.state).toBe('pending');
    lease.release();
    await flush();
    expect(drained.state).toBe('fulfilled');
  });

  test('aborting the signal given to createPool stops the pool', async () => {
    const controller = new AbortController();
    const pool = createPool<string>({ signal: controller.signal });
    const waiter = track(pool.acquire());
    controller.abort();
    await flush();
    expect(pool.stopped).toBe(true);
    expect(waiter.reason).toBeInstanceOf(PoolStoppedError);
  });

  test('an already-aborted signal gives a stopped pool', () => {
    const pool = createPool<string>({ signal: AbortSignal.abort() });
    expect(pool.stopped).toBe(true);
  });

  test('a pool stopped with no lease out ends in the final state with every group actor stopped', () => {
    const pool = createPool<string>();
    pool.set('a', 1);
    pool.set('b', 2);
    const refs = [...pool.actor.getSnapshot().context.groups.values()].map((entry) => entry.ref);
    pool.stop();
    expect(pool.actor.getSnapshot().status).toBe('done');
    expect(refs.map((ref) => ref.getSnapshot().status)).toEqual(['stopped', 'stopped']);
  });
});
