import { describe, expect, test } from 'vitest';
import { createPool, type Lease, PoolStoppedError } from '../src/index.js';
import { flush, track } from './support.js';

describe('groups created on demand (createPool({ defaultTarget }))', () => {
  test('a keyed acquire for a key with no group creates it with the default target and is granted', async () => {
    const pool = createPool<string>({ defaultTarget: 2 });
    const lease = await pool.acquire({ key: 'tenant-1' });
    expect(lease.key).toBe('tenant-1');
    expect(pool.get('tenant-1')).toEqual({ target: 2, active: 1 });
    expect(pool.keys()).toEqual(['tenant-1']);
  });

  test('the group is removed, its actor stopped, once its last lease is released and nobody waits for its key', async () => {
    const pool = createPool<string>({ defaultTarget: 2 });
    const a = await pool.acquire({ key: 't' });
    const b = await pool.acquire({ key: 't' });
    const ref = pool.actor.getSnapshot().context.groups.get('t')?.ref;
    a.release();
    expect(pool.keys()).toEqual(['t']);
    b.release();
    expect(pool.keys()).toEqual([]);
    expect(pool.get('t')).toEqual({ target: 0, active: 0 });
    expect(ref?.getSnapshot().status).toBe('stopped');
  });

  test('the group stays while a waiter asks for its key, and goes after that waiter’s lease is released', async () => {
    const pool = createPool<string>({ defaultTarget: 1 });
    const first = await pool.acquire({ key: 't' });
    const second = track(pool.acquire({ key: 't' }));
    expect(pool.waiting({ key: 't' })).toBe(1);
    first.release();
    await flush();
    expect(second.state).toBe('fulfilled');
    expect(pool.get('t')).toEqual({ target: 1, active: 1 });
    second.value?.release();
    expect(pool.keys()).toEqual([]);
  });

  test('the group goes at the last release after its only waiter aborted', async () => {
    const pool = createPool<string>({ defaultTarget: 1 });
    const first = await pool.acquire({ key: 't' });
    const controller = new AbortController();
    const second = track(pool.acquire({ key: 't', signal: controller.signal }));
    controller.abort();
    await flush();
    expect(second.state).toBe('rejected');
    expect(pool.keys()).toEqual(['t']);
    first.release();
    expect(pool.keys()).toEqual([]);
  });

  test('tryAcquire creates the group on demand and returns a lease of it', () => {
    const pool = createPool<string>({ defaultTarget: 1 });
    const lease = pool.tryAcquire({ key: 't' });
    expect(lease?.key).toBe('t');
    expect(pool.tryAcquire({ key: 't' })).toBeUndefined();
    lease?.release();
    expect(pool.keys()).toEqual([]);
  });

  test('leases({ key }) creates the group on demand for each step', async () => {
    const pool = createPool<string>({ defaultTarget: 1 });
    const seen: string[] = [];
    for await (const lease of pool.leases({ key: 't' })) {
      seen.push(lease.key);
      lease.release();
      expect(pool.keys()).toEqual([]);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['t', 't', 't']);
  });

  test('requests for any key never create groups: they wait', async () => {
    const pool = createPool<string>({ defaultTarget: 1 });
    const waiter = track(pool.acquire());
    expect(pool.tryAcquire()).toBeUndefined();
    await flush();
    expect(waiter.state).toBe('pending');
    expect(pool.keys()).toEqual([]);
    expect(pool.waiting()).toBe(1);
    pool.stop();
  });

  test('a group created on demand serves the older any-key waiters first, as set would', async () => {
    const pool = createPool<string>({ defaultTarget: 1 });
    const anyKey = track(pool.acquire());
    const keyed = track(pool.acquire({ key: 't' }));
    await flush();
    expect(anyKey.value?.key).toBe('t');
    expect(keyed.state).toBe('pending');
    expect([pool.waiting(), pool.waiting({ key: 't' })]).toEqual([1, 1]);
    anyKey.value?.release();
    await flush();
    expect(keyed.value?.key).toBe('t');
    keyed.value?.release();
    expect(pool.keys()).toEqual([]);
  });

  test('a tryAcquire that creates a group the older waiters take gets nothing, and the group stays for their leases', async () => {
    const pool = createPool<string>({ defaultTarget: 1 });
    const anyKey = track(pool.acquire());
    expect(pool.tryAcquire({ key: 't' })).toBeUndefined();
    await flush();
    expect(anyKey.value?.key).toBe('t');
    expect(pool.get('t')).toEqual({ target: 1, active: 1 });
    expect(pool.waiting()).toBe(0);
    anyKey.value?.release();
    expect(pool.keys()).toEqual([]);
  });

  test('set on a group created on demand makes it ordinary: kept, idle, with the target set', async () => {
    const pool = createPool<string>({ defaultTarget: 1 });
    const lease = await pool.acquire({ key: 't' });
    pool.set('t', 3);
    lease.release();
    expect(pool.keys()).toEqual(['t']);
    expect(pool.get('t')).toEqual({ target: 3, active: 0 });
    pool.set('t', 0);
    expect(pool.keys()).toEqual([]);
  });

  test('a group set before any request is ordinary too', async () => {
    const pool = createPool<string>({ defaultTarget: 1 });
    pool.set('t', 2);
    (await pool.acquire({ key: 't' })).release();
    expect(pool.get('t')).toEqual({ target: 2, active: 0 });
  });

  test('after stop, keyed requests create no group, and a group created on demand goes at its last release', async () => {
    const pool = createPool<string>({ defaultTarget: 1 });
    const lease = await pool.acquire({ key: 't' });
    pool.stop();
    await expect(pool.acquire({ key: 'u' })).rejects.toBeInstanceOf(PoolStoppedError);
    expect(pool.tryAcquire({ key: 'u' })).toBeUndefined();
    expect(pool.keys()).toEqual(['t']);
    lease.release();
    expect(pool.keys()).toEqual([]);
    expect(pool.actor.getSnapshot().value).toBe('stopped');
  });

  test('without defaultTarget a keyed acquire for a key with no group waits for set', async () => {
    const pool = createPool<string>();
    const waiter = track(pool.acquire({ key: 't' }));
    await flush();
    expect(waiter.state).toBe('pending');
    expect(pool.keys()).toEqual([]);
    pool.set('t', 1);
    await flush();
    expect(waiter.state).toBe('fulfilled');
  });

  test('an inspect observer can make keyed requests for new keys while watching a group created on demand', async () => {
    const leases: Lease<string>[] = [];
    let armed = true;
    const pool = createPool<string>({
      defaultTarget: 1,
      inspect: (event) => {
        if (armed && event.type === '@xstate.actor' && (event.actorRef as { id?: string }).id === 'group:t') {
          armed = false;
          const lease = pool.tryAcquire({ key: 'u' });
          if (lease) leases.push(lease);
        }
      },
    });
    leases.push(await pool.acquire({ key: 't' }));
    expect(leases.map((l) => l.key)).toEqual(['u', 't']);
    for (const lease of leases) lease.release();
    expect(pool.keys()).toEqual([]);
  });

  test.each([
    [0, RangeError],
    [-1, RangeError],
    [1.5, RangeError],
    [Number.NaN, RangeError],
    [2 ** 53, RangeError],
    ['2', TypeError],
    [null, TypeError],
  ])('defaultTarget %s throws a %o naming it', (defaultTarget, kind) => {
    expect(() => createPool({ defaultTarget: defaultTarget as number })).toThrow(kind);
    expect(() => createPool({ defaultTarget: defaultTarget as number })).toThrow(/`defaultTarget`/);
  });
});

describe('pool.waiting()', () => {
  test('counts every pending acquire, or those that asked for one key', async () => {
    const pool = createPool<string>();
    const controller = new AbortController();
    void pool.acquire().catch(() => {});
    void pool.acquire({ key: 'a' }).catch(() => {});
    void pool.acquire({ key: 'a', signal: controller.signal }).catch(() => {});
    void pool.acquire({ key: 'b' }).catch(() => {});
    expect([
      pool.waiting(),
      pool.waiting({ key: 'a' }),
      pool.waiting({ key: 'b' }),
      pool.waiting({ key: 'c' }),
    ]).toEqual([4, 2, 1, 0]);
    expect(pool.waiting({ key: undefined })).toBe(4);
    controller.abort();
    expect(pool.waiting({ key: 'a' })).toBe(1);
    pool.set('a', 5);
    expect([pool.waiting(), pool.waiting({ key: 'a' })]).toEqual([1, 0]);
    pool.stop();
    expect(pool.waiting()).toBe(0);
  });

  test('rejects bad options with a TypeError naming them', () => {
    const pool = createPool<string>();
    expect(() => pool.waiting({ kye: 'a' } as never)).toThrow(/`kye`/);
    expect(() => pool.waiting(5 as never)).toThrow(TypeError);
  });
});
