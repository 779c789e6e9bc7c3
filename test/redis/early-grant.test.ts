import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createRedisPool, type RedisPool } from '../../src/redis/index.js';
import { track } from '../support.js';
import { connectClient } from './clients.js';
import { clientsAndShards, freshName, queuedIn, TestFleet, useRedisServer } from './fleet.js';
import { redisTestsRun } from './redis-server.js';
import { ReplyGate } from './reply-gate.js';
import { waitFor } from './wait-for.js';

const server = useRedisServer({ beforeAll, afterAll });

/** Whether `pool`'s member has seen `key` with `active` leases out (its group actor shows it). */
const seesActive = (pool: RedisPool, key: string, active: number) =>
  pool.actor.getSnapshot().context.groups.byKey.get(key)?.getSnapshot().context.active === active;

describe.runIf(redisTestsRun).each(clientsAndShards)(
  'a grant that reaches a member before its acquire’s reply, over %s with %i shard(s)',
  (kind, shards) => {
    let fleet: TestFleet;
    let gate: ReplyGate;
    beforeAll(() => {
      fleet = new TestFleet(server.current(), kind, shards);
    });
    afterEach(async () => {
      gate?.open();
      await fleet.close();
      await gate?.close();
    });

    /** Member `slow` (its replies through the gate) queued for `x` behind `holder`'s lease, which is then released. */
    async function grantBeforeReply(signal?: AbortSignal) {
      const name = freshName();
      gate = await ReplyGate.start(server.current().port);
      const holder = (await fleet.member(name)).pool;
      const client = await connectClient(kind, gate.url);
      fleet.clients.push(client);
      const slow = await createRedisPool({ redis: client.client, name, shards });
      fleet.members.push({ pool: slow, client });
      const probe = await fleet.client();
      await holder.set('x', 1);
      const held = await holder.acquire({ key: 'x' });
      gate.hold();
      const waiting = track(slow.acquire({ key: 'x', ...(signal ? { signal } : {}) }));
      await waitFor(async () => (await queuedIn(probe, name, 'x', shards)) === 1, { what: 'the request queued' });
      await held.release();
      await waitFor(() => seesActive(slow, 'x', 1), { what: 'the grant notice' });
      return { holder, slow, waiting };
    }

    test('is a transition of the request actor: sending keeps the early grant, the reply takes it to granted.held', async () => {
      const { slow, waiting } = await grantBeforeReply();
      const [ref] = [...slow.actor.getSnapshot().context.requests.all];
      const snapshot = () => ref?.getSnapshot() as unknown as { value: unknown; context: { early?: { key: string } } };
      expect(snapshot().value).toBe('sending');
      expect(snapshot().context.early?.key).toBe('x');
      gate.open();
      const lease = await waiting.promise;
      expect(snapshot().value).toEqual({ granted: 'held' });
      expect(snapshot().context.early).toBeUndefined();
      await lease.release();
    });

    test('is held until the reply comes, then settles the acquire with that lease, counted once', async () => {
      const { holder, waiting } = await grantBeforeReply();
      expect(waiting.state).toBe('pending');
      expect(gate.heldBytes).toBeGreaterThan(0);
      gate.open();
      const lease = await waiting.promise;
      expect(lease.key).toBe('x');
      expect(await holder.get('x')).toEqual({ target: 1, active: 1 });
      await lease.release();
      expect(await holder.get('x')).toEqual({ target: 1, active: 0 });
    });

    test('is given back as soon as the reply comes when the acquire was aborted meanwhile', async () => {
      const controller = new AbortController();
      const { holder, waiting } = await grantBeforeReply(controller.signal);
      controller.abort(new Error('gave up'));
      await expect(waiting.promise).rejects.toThrow('gave up');
      gate.open();
      // Well before the member's next heartbeat (every 10 s with the default leaseTtl), which would also mend it.
      await waitFor(async () => (await holder.get('x')).active === 0, { timeout: 2_000, what: 'the lease given back' });
      const next = await holder.tryAcquire({ key: 'x' });
      expect(next).toBeDefined();
      await next?.release();
    });
  },
);
