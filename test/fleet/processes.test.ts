import { describe, expect, test } from 'vitest';
import { redisTestsRun } from '../redis/redis-server.js';
import { waitFor } from '../redis/wait-for.js';
import type { AcquireHandle, MemberProcess } from './fleet.js';
import { fleetSuite } from './support.js';

const LEASE_TTL = 5_000;

describe.skipIf(!redisTestsRun)('one pool shared by member processes', () => {
  const fleet = fleetSuite();

  test('waiters of different processes are served in the order their requests reached Redis (D1, S3)', async () => {
    const [m0, m1, m2] = await fleet.members('fifo', 3, LEASE_TTL);
    if (!m0 || !m1 || !m2) throw new Error('members missing');
    await m0.set('k', 1);
    const first = await m0.acquire('k').granted;

    const owners = [m1, m2, m0, m1, m2];
    // One at a time: each request reaches Redis before the next is sent.
    const order: { member: MemberProcess; handle: AcquireHandle }[] = [];
    for (const member of owners) {
      const handle = member.acquire('k');
      await handle.queued;
      order.push({ member, handle });
    }

    let holder = { member: m0, id: first.id };
    const ids = [first.id];
    for (const [i, { member, handle }] of order.entries()) {
      await holder.member.release(holder.id);
      const grant = await handle.granted;
      expect(grant.key).toBe('k');
      expect(await m1.get('k')).toEqual({ target: 1, active: 1 });
      // Only the oldest waiter was served: the younger ones are still pending.
      for (const younger of order.slice(i + 1)) {
        expect(younger.member.events.some((e) => e.ev === 'granted' && e.req === younger.handle.req)).toBe(false);
      }
      ids.push(grant.id);
      holder = { member, id: grant.id };
    }
    await holder.member.release(holder.id);
    expect(await m2.get('k')).toEqual({ target: 1, active: 0 });
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('any-key grants rotate round-robin over the keys whichever process asks (D1, S4)', async () => {
    const members = await fleet.members('rr', 3, LEASE_TTL);
    const [m0] = members;
    if (!m0) throw new Error('members missing');
    for (const key of ['a', 'b', 'c']) await m0.set(key, 2);
    const keys: string[] = [];
    for (let i = 0; i < 6; i++) {
      const member = members[i % 3];
      if (!member) throw new Error('member missing');
      keys.push((await member.acquire().granted).key);
    }
    expect(keys).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    for (const key of ['a', 'b', 'c']) expect(await m0.get(key)).toEqual({ target: 2, active: 2 });
  });

  test('any-key waiters of every process are served FIFO as keys free up, each from its freed key (D1, S3, S4)', async () => {
    const [m0, m1, m2] = await fleet.members('rr-wait', 3, LEASE_TTL);
    if (!m0 || !m1 || !m2) throw new Error('members missing');
    for (const key of ['a', 'b', 'c']) await m0.set(key, 1);
    const held = [await m0.acquire().granted, await m0.acquire().granted, await m0.acquire().granted];
    expect(held.map((g) => g.key)).toEqual(['a', 'b', 'c']);
    const waiters: AcquireHandle[] = [];
    for (const member of [m2, m1, m2]) {
      const handle = member.acquire();
      await handle.queued;
      waiters.push(handle);
    }
    // Free c, then a, then b: the oldest waiter takes whichever key freed up.
    const freed = [held[2], held[0], held[1]];
    for (const [i, lease] of freed.entries()) {
      if (!lease) throw new Error('lease missing');
      await m0.release(lease.id);
      const grant = await waiters[i]?.granted;
      expect(grant?.key).toBe(lease.key);
    }
  });

  test('the Go doc example across 3 processes: spam 2 and eggs 1 get leases about 2:1 (S4)', async () => {
    const members = await fleet.members('go-doc', 3, LEASE_TTL);
    const [m0] = members;
    if (!m0) throw new Error('members missing');
    await m0.set('spam', 2);
    await m0.set('eggs', 1);
    await Promise.all(members.map((m) => m.call({ op: 'workers', count: 4, holdMs: 15 })));
    const total = () => members.reduce((n, m) => n + m.events.filter((e) => e.ev === 'work').length, 0);
    await waitFor(() => total() >= 300, { timeout: 60_000, what: '300 grants across the fleet' });
    const counts = await Promise.all(members.map((m) => m.call<Record<string, number>>({ op: 'stopWorkers' })));
    const sum = (key: string) => counts.reduce((n, c) => n + (c[key] ?? 0), 0);
    const ratio = sum('spam') / sum('eggs');
    expect(ratio).toBeGreaterThanOrEqual(1.6);
    expect(ratio).toBeLessThanOrEqual(2.4);
    // Every process took part.
    for (const c of counts) expect((c.spam ?? 0) + (c.eggs ?? 0)).toBeGreaterThan(0);
    // A grant that raced a worker's abort is given back one round trip after the abort settles.
    const idle = async () => {
      const [spam, eggs] = [await m0.get('spam'), await m0.get('eggs')];
      return spam.active === 0 && eggs.active === 0 && spam.target === 2 && eggs.target === 1;
    };
    await waitFor(idle, { timeout: 5_000, what: 'every lease given back' });
  }, 90_000);
});
