import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  createRedisPool,
  LeaseLostError,
  LeaseRevokedError,
  PoolStoppedError,
  RedisPoolError,
} from '../../src/redis/index.js';
import { poolKeys } from '../../src/redis/redis-keys.js';
import { clientKinds, connectClient, type TestClient } from './clients.js';
import { freshName, queuedIn, TestFleet, useRedisServer } from './fleet.js';
import { redisTestsRun, startRedisServer } from './redis-server.js';
import { waitFor } from './wait-for.js';

const server = useRedisServer({ beforeAll, afterAll });

/** Short, so that reaping happens within a test; heartbeats every 100 ms. */
const leaseTtl = 300;

describe.runIf(redisTestsRun).each(clientKinds)('liveness, stop and faults, over %s', (kind) => {
  let fleet: TestFleet;
  let probe: TestClient;
  beforeAll(() => {
    fleet = new TestFleet(server.current(), kind);
  });
  afterEach(async () => {
    await fleet.close();
  });

  test('a member whose heartbeat stops is reaped: its waiters are dropped and its capacity reaches the oldest live waiter', async () => {
    const name = freshName();
    const dead = await fleet.member(name, { leaseTtl });
    const live = (await fleet.member(name, { leaseTtl })).pool;
    probe = await fleet.client();
    await live.set('x', 1);
    const held = await dead.pool.acquire();
    dead.pool.acquire({ key: 'x' }).catch(() => {});
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 1);
    const waiting = live.acquire({ key: 'x' });
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 2);
    await dead.client.close();
    // D3: back within leaseTtl + one heartbeat interval (plus slack for a busy machine).
    let granted = false;
    void waiting.then(() => {
      granted = true;
    });
    await waitFor(() => granted, { timeout: leaseTtl + leaseTtl / 3 + 700, what: 'the dead member’s capacity' });
    const lease = await waiting;
    expect(lease.id).toBeGreaterThan(held.id);
    expect(await queuedIn(probe, name, 'x')).toBe(0);
    await lease.release();
  });

  test('a lease whose member cannot heartbeat is lost: its signal aborts with LeaseLostError and its late release changes nothing', async () => {
    const name = freshName();
    const dead = await fleet.member(name, { leaseTtl });
    const live = (await fleet.member(name, { leaseTtl })).pool;
    await live.set('x', 1);
    const held = await dead.pool.acquire();
    await dead.client.close();
    await waitFor(() => held.signal.aborted, { timeout: 2_000, what: 'the lost lease’s signal' });
    const reason = held.signal.reason as LeaseLostError;
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(reason.leaseId).toBe(held.id);
    expect(reason.key).toBe('x');
    const taken = await live.acquire();
    await held.release();
    expect(await live.get('x')).toEqual({ target: 1, active: 1 });
    await taken.release();
    expect(await live.get('x')).toEqual({ target: 1, active: 0 });
  });

  test('a lease is lost at its local deadline when heartbeats hang (Redis paused past leaseTtl), and its capacity comes back after', async () => {
    const name = freshName();
    const [a, b] = await fleet.pool(2, { name, leaseTtl });
    if (!a || !b) throw new Error('no pool');
    probe = await fleet.client();
    await a.set('x', 1);
    const held = await a.acquire();
    const waiting = b.acquire({ key: 'x' });
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 1);
    await probe.command(['CLIENT', 'PAUSE', String(leaseTtl * 3), 'ALL']);
    // No reply reaches the member while Redis is paused: its own deadline decides.
    await waitFor(() => held.signal.aborted, { timeout: leaseTtl * 3, interval: 5, what: 'the local deadline' });
    expect(held.signal.reason).toBeInstanceOf(LeaseLostError);
    const lease = await waiting;
    expect(lease.id).toBeGreaterThan(held.id);
    await held.release();
    expect(await b.get('x')).toEqual({ target: 1, active: 1 });
    await lease.release();
    expect(await b.get('x')).toEqual({ target: 1, active: 0 });
  });

  test('stop rejects pending acquires, withdraws them, aborts lease signals; leases count until released, then the member leaves', async () => {
    const name = freshName();
    const [a, b] = await fleet.pool(2, { name });
    if (!a || !b) throw new Error('no pool');
    probe = await fleet.client();
    await a.set('x', 2);
    const held = await a.acquire();
    const pending = a.acquire({ key: 'y' }).catch((error: unknown) => error);
    await waitFor(async () => (await queuedIn(probe, name, 'y')) === 1);
    let signalled = false;
    a.signal.addEventListener('abort', () => {
      signalled = true;
    });
    await a.stop();
    expect(signalled).toBe(true);
    expect(a.stopped).toBe(true);
    expect(await pending).toBeInstanceOf(PoolStoppedError);
    expect(await queuedIn(probe, name, 'y')).toBe(0);
    expect(held.signal.reason).toBeInstanceOf(PoolStoppedError);
    await expect(a.acquire()).rejects.toBeInstanceOf(PoolStoppedError);
    await expect(a.set('x', 1)).rejects.toBeInstanceOf(PoolStoppedError);
    expect(await a.tryAcquire()).toBeUndefined();
    expect(await b.get('x')).toEqual({ target: 2, active: 1 });
    const { tag } = poolKeys('workpool', name);
    expect(await probe.command(['ZSCORE', `${tag}members`, a.member])).not.toBeNull();
    await held.release();
    await a.done;
    expect(await b.get('x')).toEqual({ target: 2, active: 0 });
    expect(await probe.command(['ZSCORE', `${tag}members`, a.member])).toBeNull();
    expect(a.actor.getSnapshot().status).toBe('done');
  });

  test('a stopping member whose leases are lost meanwhile leaves without waiting for their release', async () => {
    const [a] = await fleet.pool(1, { leaseTtl });
    if (!a) throw new Error('no pool');
    probe = await fleet.client();
    await a.set('x', 1);
    const held = await a.acquire();
    await a.stop();
    await probe.command(['FLUSHALL']);
    await a.done;
    expect(held.signal.reason).toBeInstanceOf(PoolStoppedError);
    await held.release();
  });

  test('a member stopped with no lease out leaves at once', async () => {
    const [a] = await fleet.pool(1);
    await a?.stop();
    await a?.done;
    expect(a?.actor.getSnapshot().value).toBe('stopped');
  });

  test('the signal option stops the member', async () => {
    const controller = new AbortController();
    const [a] = await fleet.pool(1, { signal: controller.signal });
    controller.abort();
    await a?.done;
    expect(a?.stopped).toBe(true);
  });

  test('a grant and a revocation whose notices were lost reach the member at its next heartbeat', async () => {
    const name = freshName();
    const a = (await fleet.member(name)).pool;
    probe = await fleet.client();
    // b's own user, so that its notification channel can be taken away from it alone.
    const user = `notices-${name}`;
    await probe.command(['ACL', 'SETUSER', user, 'on', '>secret', '~*', '&*', '+@all']);
    const bClient = await connectClient(kind, server.current().url, { username: user, password: 'secret' });
    fleet.clients.push(bClient);
    const b = await createRedisPool({ redis: bClient.client, name, leaseTtl });
    fleet.members.push({ pool: b, client: bClient });
    await a.set('x', 2);
    const first = await b.acquire();
    const held = await a.acquire();
    const waiting = b.acquire({ key: 'x' });
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 1);
    // Redis drops b's subscription and refuses it again: every notice to b from now on is lost.
    await probe.command(['ACL', 'SETUSER', user, 'resetchannels']);
    await held.release();
    const lease = await waiting;
    expect(lease.id).toBeGreaterThan(held.id);
    await a.set('x', 1);
    await waitFor(() => lease.signal.aborted, { what: 'the revocation' });
    expect(lease.signal.reason).toBeInstanceOf(LeaseRevokedError);
    expect(first.signal.aborted).toBe(false);
    await Promise.all([first.release(), lease.release()]);
    expect(await a.get('x')).toEqual({ target: 1, active: 0 });
  });

  test('SCRIPT FLUSH in the middle of a run goes unnoticed', async () => {
    const [a, b] = await fleet.pool(2);
    if (!a || !b) throw new Error('no pool');
    probe = await fleet.client();
    await a.set('x', 1);
    const held = await a.acquire();
    const waiting = b.acquire({ key: 'x' });
    await probe.command(['SCRIPT', 'FLUSH']);
    await held.release();
    const lease = await waiting;
    await probe.command(['SCRIPT', 'FLUSH']);
    await lease.release();
    expect(await b.get('x')).toEqual({ target: 1, active: 0 });
  });

  test('when Redis loses its data, members rejoin by themselves: old leases are lost, pending acquires queue again', async () => {
    const name = freshName();
    const [a, b] = await fleet.pool(2, { name, leaseTtl });
    if (!a || !b) throw new Error('no pool');
    probe = await fleet.client();
    await a.set('x', 1);
    const held = await a.acquire();
    const waiting = b.acquire({ key: 'x' });
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 1);
    await probe.command(['FLUSHALL']);
    await waitFor(() => held.signal.aborted, { what: 'the lost lease' });
    expect(held.signal.reason).toBeInstanceOf(LeaseLostError);
    await waitFor(async () => (await queuedIn(probe, name, 'x')) === 1, { what: 'the waiter queued again' });
    await a.set('x', 1);
    const lease = await waiting;
    // Lease ids keep rising across the loss: the members handed Redis the highest they had seen.
    expect(lease.id).toBeGreaterThan(held.id);
    await held.release();
    expect(await a.get('x')).toEqual({ target: 1, active: 1 });
    await lease.release();
  });
});

describe.runIf(redisTestsRun).each(clientKinds)('Redis unreachable, over %s', (kind) => {
  test('calls reject with the client’s error as cause; a pending acquire keeps waiting and is served once Redis is back', async () => {
    let own = await startRedisServer();
    const fleet = new TestFleet(own, kind);
    try {
      const name = freshName();
      const [a, b] = await fleet.pool(2, { name, leaseTtl: 600 });
      if (!a || !b) throw new Error('no pool');
      await a.set('x', 1);
      const held = await a.acquire();
      const waiting = b.acquire({ key: 'x' });
      const probe = await fleet.client();
      await waitFor(async () => (await queuedIn(probe, name, 'x')) === 1);
      await own.stop();
      const error = await a.get('x').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RedisPoolError);
      expect((error as RedisPoolError).cause).toBeInstanceOf(Error);
      await expect(b.acquire()).rejects.toBeInstanceOf(RedisPoolError);
      const released = held.release();
      own = await startRedisServer({ port: own.port });
      // Redis came back without its data: the release resolves (the lease is lost, or released in a Redis that
      // no longer knew it), and its signal, released, never aborts.
      await released;
      expect(held.signal.aborted).toBe(false);
      await waitFor(
        async () => {
          try {
            await a.set('x', 1);
            return true;
          } catch {
            return false;
          }
        },
        { what: 'set after the restart' },
      );
      const lease = await waiting;
      expect(lease.key).toBe('x');
      await lease.release();
    } finally {
      await fleet.close();
      await own.stop();
    }
  });
});
