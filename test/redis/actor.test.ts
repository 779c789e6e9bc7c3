import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { LeaseLostError, LeaseRevokedError, PoolStoppedError } from '../../src/redis/index.js';
import { poolKeys } from '../../src/redis/redis-keys.js';
import type { RequestRef } from '../../src/redis/request-machine.js';
import { clientKinds } from './clients.js';
import { freshName, TestFleet, useRedisServer } from './fleet.js';
import { redisTestsRun } from './redis-server.js';
import { waitFor } from './wait-for.js';

const server = useRedisServer({ beforeAll, afterAll });

/** A member with an inspect observer that sets a key, acquires and releases once; the events it saw. */
async function inspectedCycle(fleet: TestFleet) {
  const events: InspectionEvent[] = [];
  const [a] = await fleet.pool(1, { inspect: (event) => events.push(event) });
  if (!a) throw new Error('no pool');
  await a.set('x', 1);
  const lease = await a.acquire();
  await lease.release();
  return { a, events };
}

describe.runIf(redisTestsRun).each(clientKinds)('the member actor, over %s', (kind) => {
  let fleet: TestFleet;
  beforeAll(() => {
    fleet = new TestFleet(server.current(), kind);
  });
  afterEach(async () => {
    await fleet.close();
  });

  test('a member is live once created and stopped, final, after it leaves', async () => {
    const [a] = await fleet.pool(1);
    if (!a) throw new Error('no pool');
    expect(a.actor.getSnapshot().matches('live')).toBe(true);
    await a.stop();
    await a.done;
    expect(a.actor.getSnapshot().value).toBe('stopped');
    expect(a.actor.getSnapshot().status).toBe('done');
  });

  test('each key the member used is a group child showing fleet-wide counts as of its last reply', async () => {
    const [a, b] = await fleet.pool(2);
    if (!a || !b) throw new Error('no pool');
    await a.set('x', 2);
    const groupOf = (pool: typeof a, key: string) => pool.actor.getSnapshot().context.groups.byKey.get(key);
    expect(groupOf(b, 'x')).toBeUndefined();
    const lease = await b.acquire({ key: 'x' });
    expect(groupOf(b, 'x')?.getSnapshot().context).toMatchObject({ key: 'x', target: 2, active: 1 });
    expect(groupOf(b, 'x')?.getSnapshot().value).toBe('granting');
    expect(groupOf(a, 'x')?.getSnapshot().context).toMatchObject({ target: 2, active: 0 });
    await a.get('x');
    expect(groupOf(a, 'x')?.getSnapshot().context).toMatchObject({ target: 2, active: 1 });
    await a.set('x', 0);
    expect(groupOf(a, 'x')?.getSnapshot().value).toBe('draining');
    await lease.release();
    expect(groupOf(b, 'x')).toBeUndefined();
  });

  test('heartbeats every leaseTtl / 3 keep a member and its leases alive well past leaseTtl', async () => {
    const name = freshName();
    const [a, b] = await fleet.pool(2, { name, leaseTtl: 200 });
    if (!a || !b) throw new Error('no pool');
    const probe = await fleet.client();
    const { tag } = poolKeys('workpool', name);
    await a.set('x', 1);
    const lease = await a.acquire();
    const first = Number(await probe.command(['ZSCORE', `${tag}members`, a.member]));
    await waitFor(async () => Number(await probe.command(['ZSCORE', `${tag}members`, a.member])) > first + 600, {
      what: 'three leaseTtl of heartbeats',
    });
    expect(lease.signal.aborted).toBe(false);
    expect(await b.get('x')).toEqual({ target: 1, active: 1 });
    await lease.release();
  });

  test('inspect sees the member actor, its group children and their events', async () => {
    const { a, events } = await inspectedCycle(fleet);
    const ids = new Set(events.map((event) => (event.actorRef as { id?: string }).id));
    expect(ids).toContain('group:x');
    expect(events.some((e) => e.type === '@xstate.event' && e.event.type === 'counts.seen')).toBe(true);
    expect(events.some((e) => e.type === '@xstate.snapshot' && e.actorRef === a.actor)).toBe(true);
  });

  test('an acquire asked from inside a member step, its signal aborted before the member handles it, rejects with the reason', async () => {
    const [a] = await fleet.pool(1);
    if (!a) throw new Error('no pool');
    await a.set('x', 1);
    const lease = await a.acquire({ key: 'x' });
    const controller = new AbortController();
    const asked = new Promise<unknown>((resolve) => {
      // A revoked lease's signal listener runs inside the member's step: the acquire is handled after it.
      lease.signal.addEventListener('abort', () => {
        a.acquire({ key: 'x', signal: controller.signal }).then(resolve, resolve);
        controller.abort(new Error('changed my mind'));
      });
    });
    await a.set('x', 0);
    expect(await asked).toEqual(new Error('changed my mind'));
    await lease.release();
  });

  test('an inspect observer may call back into the pool, and one that throws breaks nothing', async () => {
    let calls = 0;
    const pools: Array<{ get(key: string): Promise<unknown> }> = [];
    const answers: Array<Promise<unknown>> = [];
    const reported: unknown[] = [];
    const reportError = globalThis.reportError;
    globalThis.reportError = (error: unknown) => reported.push(error);
    try {
      const [a] = await fleet.pool(1, {
        inspect: (event) => {
          if (event.type !== '@xstate.event' || event.event.type !== 'counts.seen') return;
          calls++;
          const pool = pools[0];
          if (pool) answers.push(pool.get('x'));
          throw new Error('observer broke');
        },
      });
      if (!a) throw new Error('no pool');
      pools.push(a);
      await a.set('x', 1);
      const lease = await a.acquire();
      await lease.release();
      expect(calls).toBeGreaterThan(0);
      expect(reported.length).toBeGreaterThan(0);
      expect(await a.get('x')).toEqual({ target: 1, active: 0 });
      pools.length = 0;
      expect((await Promise.all(answers)).length).toBeGreaterThan(0);
    } finally {
      globalThis.reportError = reportError;
    }
  });

  test('a lease signal listener may release the lease and call the pool', async () => {
    const [a, b] = await fleet.pool(2);
    if (!a || !b) throw new Error('no pool');
    await a.set('x', 1);
    const lease = await b.acquire();
    const seen: unknown[] = [];
    lease.signal.addEventListener('abort', () => {
      seen.push(lease.signal.reason);
      void lease.release().then(async () => seen.push(await b.get('x')));
    });
    await a.set('x', 0);
    await waitFor(() => seen.length === 2, { what: 'the listener’s calls' });
    expect(seen[0]).toBeInstanceOf(LeaseRevokedError);
    expect(seen[1]).toEqual({ target: 0, active: 0 });
  });

  test('an acquire’s abort listener may call the pool: acquire again, get and stop', async () => {
    const [a] = await fleet.pool(1);
    if (!a) throw new Error('no pool');
    await a.set('x', 1);
    const held = await a.acquire({ key: 'x' });
    const abort = new AbortController();
    const calls: Array<Promise<unknown>> = [];
    const waiting = a.acquire({ key: 'x', signal: abort.signal });
    abort.signal.addEventListener('abort', () => {
      calls.push(a.acquire({ key: 'x' }).catch((e: unknown) => e));
      calls.push(a.get('x'));
      calls.push(a.stop());
    });
    await waitFor(() => requestStates(a).includes('queued'), { what: 'the request queued' });
    abort.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    const [again, counts] = await Promise.all(calls);
    expect(again).toBeInstanceOf(PoolStoppedError);
    expect(counts).toEqual({ target: 1, active: 1 });
    expect(held.signal.reason).toBeInstanceOf(PoolStoppedError);
    await held.release();
    await a.done;
    expect(requestStates(a)).toEqual([]);
  });

  test('a lost lease’s signal listener may stop the member and release the lease', async () => {
    const [a] = await fleet.pool(1);
    if (!a) throw new Error('no pool');
    await a.set('x', 1);
    const lease = await a.acquire({ key: 'x' });
    const seen: unknown[] = [];
    lease.signal.addEventListener('abort', () => {
      seen.push(lease.signal.reason);
      void a.stop().then(() => lease.release().then(() => seen.push('released')));
    });
    a.actor.send({ type: 'lease.deadline' });
    await a.done;
    expect(seen).toEqual([expect.any(LeaseLostError), 'released']);
  });

  test('a pool.signal listener may call the pool', async () => {
    const [a] = await fleet.pool(1);
    if (!a) throw new Error('no pool');
    await a.set('x', 1);
    const results: Array<Promise<unknown>> = [];
    a.signal.addEventListener('abort', () => {
      results.push(a.acquire().catch((e: unknown) => e));
      results.push(a.get('x'));
      results.push(a.stop());
    });
    await a.stop();
    const [acquired, counts] = await Promise.all(results);
    expect(acquired).toBeInstanceOf(PoolStoppedError);
    expect(counts).toEqual({ target: 1, active: 0 });
  });

  test('an acquire continuation may stop the member holding the lease', async () => {
    const [a] = await fleet.pool(1);
    if (!a) throw new Error('no pool');
    await a.set('x', 1);
    const lease = await a.acquire().then(async (l) => {
      await a.stop();
      return l;
    });
    expect(lease.signal.reason).toBeInstanceOf(PoolStoppedError);
    await lease.release();
    await a.done;
  });
});

describe.runIf(redisTestsRun).each(clientKinds)(
  'the member’s group children follow its activity (D7), over %s',
  (kind) => {
    let fleet: TestFleet;
    beforeAll(() => {
      fleet = new TestFleet(server.current(), kind);
    });
    afterEach(async () => {
      await fleet.close();
    });

    /** Resolves after `pool`'s member has completed `n` more heartbeats. */
    async function heartbeats(pool: { actor: { getSnapshot(): { context: { beatSentAt: number } } } }, n: number) {
      for (let i = 0; i < n; i++) {
        const before = pool.actor.getSnapshot().context.beatSentAt;
        await waitFor(() => pool.actor.getSnapshot().context.beatSentAt > before, { what: 'a heartbeat' });
      }
    }

    test('keys used once and left lose their children within two heartbeats, while a key it holds keeps its own', async () => {
      const [a] = await fleet.pool(1, { leaseTtl: 300 });
      if (!a) throw new Error('no pool');
      for (let i = 0; i < 20; i++) {
        await a.set(`tenant-${i}`, 1);
        const lease = await a.acquire({ key: `tenant-${i}` });
        await lease.release();
      }
      const kept = await a.acquire({ key: 'tenant-0' });
      expect(a.actor.getSnapshot().context.groups.byKey.size).toBe(20);
      const left = a.actor.getSnapshot().context.groups.byKey.get('tenant-1');
      await heartbeats(a, 2);
      expect([...a.actor.getSnapshot().context.groups.byKey.keys()]).toEqual(['tenant-0']);
      expect(left?.getSnapshot().status).toBe('stopped');
      await kept.release();
    });

    test('a key whose child went is shown again, with fleet-wide counts, at its next use', async () => {
      const [a, b] = await fleet.pool(2, { leaseTtl: 300 });
      if (!a || !b) throw new Error('no pool');
      await a.set('x', 3);
      await heartbeats(a, 2);
      expect(a.actor.getSnapshot().context.groups.byKey.has('x')).toBe(false);
      const held = await b.acquire({ key: 'x' });
      const lease = await a.acquire({ key: 'x' });
      expect(a.actor.getSnapshot().context.groups.byKey.get('x')?.getSnapshot().context).toMatchObject({
        target: 3,
        active: 2,
      });
      await lease.release();
      await held.release();
    });
  },
);

/** The states of `pool`'s request children, oldest first, as `a.b` strings. */
function requestStates(pool: { actor: { getSnapshot(): { context: { requests: { all: Set<RequestRef> } } } } }) {
  return [...pool.actor.getSnapshot().context.requests.all].map((ref) => {
    const value = (ref.getSnapshot() as unknown as { value: unknown }).value;
    return typeof value === 'string'
      ? value
      : Object.entries(value as object)
          .flat()
          .join('.');
  });
}

describe.runIf(redisTestsRun).each(clientKinds)(
  'the member’s requests and leases are states of its actor system (D7), over %s',
  (kind) => {
    let fleet: TestFleet;
    beforeAll(() => {
      fleet = new TestFleet(server.current(), kind);
    });
    afterEach(async () => {
      await fleet.close();
    });

    test('a waiting acquire is a request child in queued, then granted.held, and goes once its lease is released', async () => {
      const [a, b] = await fleet.pool(2);
      if (!a || !b) throw new Error('no pool');
      await a.set('x', 1);
      const held = await a.acquire({ key: 'x' });
      expect(requestStates(a)).toEqual(['granted.held']);
      const waiting = b.acquire({ key: 'x' });
      await waitFor(() => requestStates(b)[0] === 'queued', { what: 'b’s request queued' });
      await held.release();
      expect(requestStates(a)).toEqual([]);
      const lease = await waiting;
      expect(requestStates(b)).toEqual(['granted.held']);
      await lease.release();
      expect(requestStates(b)).toEqual([]);
      expect(b.actor.getSnapshot().context.requests.byLease.size).toBe(0);
    });

    test('an ended request sends its member no event named after it: each such type would stay in XState’s transition cache', async () => {
      const events: InspectionEvent[] = [];
      const [a] = await fleet.pool(1, { inspect: (event) => events.push(event) });
      if (!a) throw new Error('no pool');
      await a.set('x', 1);
      const lease = await a.acquire({ key: 'x' });
      expect(await a.tryAcquire({ key: 'x' })).toBeUndefined();
      const aborted = new AbortController();
      const withdrawn = a.acquire({ key: 'x', signal: aborted.signal }).catch((error: unknown) => error);
      await waitFor(() => requestStates(a).includes('queued'), { what: 'the second acquire queued' });
      aborted.abort(new Error('gone'));
      await withdrawn;
      await lease.release();
      await waitFor(() => requestStates(a).length === 0, { what: 'every request ended' });
      await new Promise((resolve) => setImmediate(resolve));
      const named = events.filter(
        (e) => e.type === '@xstate.event' && e.actorRef === a.actor && /request:\d/.test(e.event.type),
      );
      expect(named.map((e) => (e.type === '@xstate.event' ? e.event.type : ''))).toEqual([]);
    });

    test('a handoff costs each member one step: the grant notice shows its counts in its own step, unchanged reply counts are not sent', async () => {
      const events: InspectionEvent[] = [];
      const [a, b] = await fleet.pool(2, { inspect: (event) => events.push(event) });
      if (!a || !b) throw new Error('no pool');
      await a.set('x', 1);
      const held = await a.acquire({ key: 'x' });
      const waiting = b.acquire({ key: 'x' });
      await waitFor(() => requestStates(b)[0] === 'queued', { what: 'b’s request queued' });
      // Inspection events are delivered on a microtask after the steps that made them: let those of the queueing pass.
      await new Promise((resolve) => setImmediate(resolve));
      const from = events.length;
      await held.release();
      const lease = await waiting;
      await new Promise((resolve) => setImmediate(resolve));
      const steps = (pool: typeof a) =>
        events.slice(from).filter((e) => e.type === '@xstate.microstep' && e.actorRef === pool.actor).length;
      // a: its request's end (the release reply shows x at 1/1, as a's group child already does); b: the notice.
      expect(steps(a)).toBe(1);
      expect(steps(b)).toBe(1);
      expect(b.actor.getSnapshot().context.groups.byKey.get('x')?.getSnapshot().context).toMatchObject({
        target: 1,
        active: 1,
      });
      await lease.release();
    });

    test('an aborted acquire’s request child is withdrawn and stopped; nothing of it stays', async () => {
      const [a] = await fleet.pool(1);
      if (!a) throw new Error('no pool');
      await a.set('x', 1);
      const held = await a.acquire({ key: 'x' });
      const abort = new AbortController();
      const waiting = a.acquire({ key: 'x', signal: abort.signal });
      await waitFor(() => requestStates(a).includes('queued'), { what: 'the request queued' });
      const [, ref] = [...a.actor.getSnapshot().context.requests.all];
      const seen: string[] = [];
      ref?.subscribe((snapshot) => seen.push(String((snapshot as unknown as { value: unknown }).value)));
      abort.abort(new Error('gave up'));
      await expect(waiting).rejects.toThrow('gave up');
      expect(seen).toEqual(['withdrawn']);
      expect(requestStates(a)).toEqual(['granted.held']);
      expect(a.actor.getSnapshot().context.requests.byId.size).toBe(0);
      await held.release();
    });

    test('a lease lost at the member’s local deadline is a request child in lost, then goes', async () => {
      const [a] = await fleet.pool(1, { leaseTtl: 300 });
      if (!a) throw new Error('no pool');
      await a.set('x', 1);
      const lease = await a.acquire({ key: 'x' });
      const [ref] = [...a.actor.getSnapshot().context.requests.all];
      const seen: string[] = [];
      ref?.subscribe((snapshot) => seen.push(String((snapshot as unknown as { value: unknown }).value)));
      a.actor.send({ type: 'lease.deadline' });
      expect(seen).toEqual(['lost']);
      expect(lease.signal.reason).toBeInstanceOf(LeaseLostError);
      expect(requestStates(a)).toEqual([]);
      await lease.release();
    });

    test('inspect sees each request child, named by its first request id, and the states it went through', async () => {
      const { events } = await inspectedCycle(fleet);
      const snapshots = events.flatMap((e) =>
        e.type === '@xstate.snapshot' && (e.actorRef as { id?: string }).id?.startsWith('request:')
          ? [JSON.stringify((e.snapshot as { value?: unknown }).value)]
          : [],
      );
      expect(snapshots).toEqual(
        expect.arrayContaining(['"sending"', '{"granted":"held"}', '{"granted":"releasing"}', '"released"']),
      );
    });
  },
);
