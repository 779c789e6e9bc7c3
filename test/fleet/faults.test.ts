import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { redisTestsRun, startRedisServer } from '../redis/redis-server.js';
import { waitFor } from '../redis/wait-for.js';
import { type MemberProcess, msBetween } from './fleet.js';
import { fleetSuite } from './support.js';

const run = promisify(execFile);

/** Short enough for a quick suite, long enough that a loaded 2-core machine still heartbeats in time. */
const LEASE_TTL = 900;
const HEARTBEAT = LEASE_TTL / 3;
/**
 * Time a grant may take, on top of what D3 allows, to travel from Redis to
 * a member process and be reported to the test on a shared 2-core machine.
 */
const DELIVERY_SLACK = 400;

function requireAll(members: MemberProcess[], count: number): MemberProcess[] {
  if (members.length !== count) throw new Error(`expected ${count} members, got ${members.length}`);
  return members;
}

describe.skipIf(!redisTestsRun)('member processes that die, pause, or lose Redis', () => {
  const fleet = fleetSuite();

  test('kill -9 of a holder with waiters: its capacity reaches the others within leaseTtl + one heartbeat, its waiters block nobody (D3)', async () => {
    const [victim, m1, m2] = requireAll(await fleet.members('kill', 3, LEASE_TTL), 3) as [
      MemberProcess,
      MemberProcess,
      MemberProcess,
    ];
    await m1.set('k', 2);
    const held = [await victim.acquire('k').granted, await victim.acquire('k').granted];
    const deadWaiters = [victim.acquire('k'), victim.acquire()];
    for (const w of deadWaiters) await w.queued;
    const others = [m1.acquire('k'), m2.acquire('k')];
    for (const w of others) await w.queued;

    const killedAt = process.hrtime.bigint();
    victim.kill('SIGKILL');
    const grants = await Promise.all(others.map((w) => w.granted));

    for (const grant of grants) {
      expect(msBetween(killedAt, grant.at)).toBeLessThanOrEqual(LEASE_TTL + HEARTBEAT + DELIVERY_SLACK);
      expect(grant.key).toBe('k');
      expect(grant.id).toBeGreaterThan(Math.max(...held.map((h) => h.id)));
    }
    expect(await m1.get('k')).toEqual({ target: 2, active: 2 });
    await m1.release(grants[0]?.id ?? -1);
    await m2.release(grants[1]?.id ?? -1);
    expect(await m2.get('k')).toEqual({ target: 2, active: 0 });
    // The dead member's waiters were dropped, not left at the head of the queue.
    const next = m2.acquire('k');
    expect((await next.granted).key).toBe('k');
  }, 30_000);

  test('a holder paused past leaseTtl loses its lease: the signal aborts with LeaseLostError, the late release changes nothing (D5)', async () => {
    const [sleeper, m1, m2] = requireAll(await fleet.members('sigstop', 3, LEASE_TTL), 3) as [
      MemberProcess,
      MemberProcess,
      MemberProcess,
    ];
    await m1.set('k', 1);
    const lost = await sleeper.acquire('k').granted;
    const waiter = m1.acquire('k');
    await waiter.queued;

    sleeper.kill('SIGSTOP');
    const taken = await waiter.granted;
    sleeper.kill('SIGCONT');

    const signal = await sleeper.waitFor(
      `lease ${lost.id} lost`,
      (e) => e.ev === 'signal' && e.id === lost.id,
      LEASE_TTL * 5,
    );
    expect(signal).toMatchObject({ name: 'LeaseLostError' });
    expect(taken.id).toBeGreaterThan(lost.id);

    await sleeper.release(lost.id);
    expect(await m2.get('k')).toEqual({ target: 1, active: 1 });
    expect(await m2.call({ op: 'tryAcquire', key: 'k' })).toBeNull();
    await m1.release(taken.id);
    expect(await m2.get('k')).toEqual({ target: 1, active: 0 });
    const after = await m2.acquire('k').granted;
    expect(after.id).toBeGreaterThan(taken.id);
    expect(sleeper.signals()).toHaveLength(1);
    expect(m1.signals()).toHaveLength(0);
  }, 30_000);

  test('Redis paused (CLIENT PAUSE) for less than leaseTtl: no lease is lost and the queued work goes through (D6)', async () => {
    const [m0, m1, m2] = requireAll(await fleet.members('pause', 3, 1_500), 3) as [
      MemberProcess,
      MemberProcess,
      MemberProcess,
    ];
    await m0.set('k', 1);
    await m0.set('h', 1);
    const first = await m0.acquire('k').granted;
    const kept = await m2.acquire('h').granted;
    const waiter = m1.acquire('k');
    await waiter.queued;

    const pausedAt = Date.now();
    await run('redis-cli', ['-p', String(fleet.server.port), 'CLIENT', 'PAUSE', '600', 'ALL']);
    const release = m0.release(first.id);
    const next = await waiter.granted;
    await release;
    expect(next.id).toBeGreaterThan(first.id);

    // Let more than leaseTtl pass since the pause: heartbeats resumed, so nothing expired.
    await waitFor(() => Date.now() > pausedAt + 3_000, { timeout: 10_000, what: 'leaseTtl × 2 after the pause' });
    expect(await m2.get('k')).toEqual({ target: 1, active: 1 });
    expect(await m0.get('h')).toEqual({ target: 1, active: 1 });
    for (const m of [m0, m1, m2]) expect(m.signals()).toEqual([]);
    await m1.release(next.id);
    await m2.release(kept.id);
    expect(await m0.get('k')).toEqual({ target: 1, active: 0 });
    expect(await m0.get('h')).toEqual({ target: 1, active: 0 });
  }, 30_000);

  test('Redis restarted without its data: members rejoin, old leases are lost, pending acquires queue again (D6)', async () => {
    const own = await startRedisServer();
    let server = own;
    let members: MemberProcess[] = [];
    try {
      members = await fleet.members('restart', 3, LEASE_TTL, own.url);
      const [m0, m1, m2] = requireAll(members, 3) as [MemberProcess, MemberProcess, MemberProcess];
      await m0.set('k', 1);
      const old = await m0.acquire('k').granted;
      const waiter = m1.acquire('k');
      await waiter.queued;

      await own.stop();
      server = await startRedisServer({ port: own.port });

      const lost = await m0.waitFor(
        `lease ${old.id} lost`,
        (e) => e.ev === 'signal' && e.id === old.id,
        LEASE_TTL * 10,
      );
      expect(lost).toMatchObject({ name: 'LeaseLostError' });
      // Targets are data Redis lost: set again, through a member that rejoined.
      await waitFor(
        async () => {
          await m2.set('k', 1);
          return true;
        },
        { timeout: LEASE_TTL * 10, what: 'set(k, 1) accepted after the restart' },
      );
      const regained = await waiter.granted;
      expect(regained.key).toBe('k');
      await m0.release(old.id);
      expect(await m2.get('k')).toEqual({ target: 1, active: 1 });
      await m1.release(regained.id);
      expect(await m2.get('k')).toEqual({ target: 1, active: 0 });
      const after = m2.acquire('k');
      expect((await after.granted).key).toBe('k');
      expect(m1.signals()).toEqual([]);
    } finally {
      await Promise.all(members.map((m) => m.close()));
      await server.stop();
    }
  }, 40_000);
});
