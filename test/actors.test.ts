import { describe, expect, test } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createPool } from '../src/index.js';

function groupOf(pool: ReturnType<typeof createPool<unknown>>, key: unknown) {
  const entry = pool.actor.getSnapshot().context.groups.get(key);
  if (!entry) throw new Error(`no group for ${String(key)}`);
  return entry.ref;
}

describe('S9 actors and inspection', () => {
  test('the pool is an actor whose states include running', () => {
    const pool = createPool();
    expect(pool.actor.getSnapshot().value).toBe('running');
  });

  test('each key is a child actor of the pool with key, target and active in its context', async () => {
    const pool = createPool();
    pool.set('spam', 2);
    await pool.acquire();
    const group = groupOf(pool, 'spam');
    expect(group._parent).toBe(pool.actor);
    expect(group.getSnapshot().context).toEqual({ key: 'spam', target: 2, active: 1 });
  });

  test('a group’s state says where active stands against target', async () => {
    const pool = createPool();
    pool.set('k', 2);
    const group = groupOf(pool, 'k');
    expect(group.getSnapshot().value).toBe('granting');
    const a = await pool.acquire();
    await pool.acquire();
    expect(group.getSnapshot().value).toBe('saturated');
    pool.set('k', 1);
    expect(group.getSnapshot().value).toBe('draining');
    a.release();
    expect(group.getSnapshot().value).toBe('saturated');
    pool.set('k', 3);
    expect(group.getSnapshot().value).toBe('granting');
  });

  test('child ids are derived from keys and stay unique when string forms collide', () => {
    const pool = createPool();
    const keys: unknown[] = ['spam', 1, '1', '(number) 1', true, null, 1n, { a: 1 }, { a: 1 }, Symbol('s')];
    for (const key of keys) pool.set(key, 1);
    const ids = keys.map((key) => groupOf(pool, key).id);
    expect(ids[0]).toBe('group:spam');
    expect(ids[1]).toBe('group:(number) 1');
    expect(ids[2]).toBe('group:1');
    expect(new Set(ids).size).toBe(keys.length);
  });

  test('identity keys are numbered in creation order, with a symbol’s description or a function’s name', () => {
    const pool = createPool();
    const keys: unknown[] = [Symbol(), Symbol('s'), function work() {}, {}, '(x)', false];
    for (const key of keys) pool.set(key, 1);
    expect(keys.map((key) => groupOf(pool, key).id)).toEqual([
      'group:(symbol #1)',
      'group:(symbol #2) s',
      'group:(function #3) work',
      'group:(object #4)',
      'group:(string) (x)',
      'group:(boolean) false',
    ]);
  });

  test('child ids are deterministic: the same history gives the same ids', () => {
    const ids = () => {
      const pool = createPool();
      const keys = ['a', {}, 2, {}];
      for (const key of keys) pool.set(key, 1);
      return keys.map((key) => groupOf(pool, key).id);
    };
    expect(ids()).toEqual(ids());
  });

  test('the inspect observer sees the pool, one child per key named after it, and every event', () => {
    const events: InspectionEvent[] = [];
    const pool = createPool<string>({ inspect: (event) => events.push(event) });
    pool.set('spam', 2);
    pool.set('eggs', 1);
    pool.tryAcquire();
    const idOf = (e: InspectionEvent) => (e.actorRef as { id?: string }).id;
    const actorIds = events.filter((e) => e.type === '@xstate.actor').map(idOf);
    expect(actorIds).toEqual(['pool', 'group:spam', 'group:eggs'].map((id) => (id === 'pool' ? pool.actor.id : id)));
    const groupEvents = events
      .filter((e) => e.type === '@xstate.event' && idOf(e) === 'group:spam')
      .map((e) => (e as { event: { type: string } }).event.type);
    expect(groupEvents).toContain('lease.grant');
    const poolEvents = events
      .filter((e) => e.type === '@xstate.event' && e.actorRef === pool.actor)
      .map((e) => (e as { event: { type: string } }).event.type);
    expect(poolEvents).toEqual(expect.arrayContaining(['target.set', 'lease.try']));
  });

  test('the pool’s context serialises to readable counts, not empty objects', async () => {
    const pool = createPool<string>();
    pool.set('spam', 1);
    pool.set('eggs', 2);
    await pool.acquire({ key: 'spam' });
    void pool.acquire({ key: 'spam' }).catch(() => {});
    const json = JSON.parse(JSON.stringify(pool.actor.getSnapshot().context));
    expect(json).toEqual({
      groups: { count: 2, groups: ['group:spam', 'group:eggs'] },
      waiters: { waiting: 1, anyKey: 0, keysWaitedOn: 1 },
      ready: ['group:eggs'],
      leases: { out: 1, revoked: 0, nextId: 2 },
      outlet: { listeners: 1 },
      retired: { toStop: 0 },
    });
    pool.stop();
  });

  test('an inspect observer that throws does not break the pool', async () => {
    const reported: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => reported.push(args[1]);
    try {
      const pool = createPool<string>({
        inspect: () => {
          throw new Error('observer broke');
        },
      });
      pool.set('k', 1);
      const lease = await pool.acquire();
      expect(lease.key).toBe('k');
      expect(reported.length).toBeGreaterThan(0);
      expect((reported[0] as Error).message).toBe('observer broke');
    } finally {
      console.error = original;
    }
  });
});
