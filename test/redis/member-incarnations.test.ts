import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { createActor } from 'xstate';
import { MemberLink } from '../../src/redis/member-link.js';
import { memberMachine } from '../../src/redis/member-machine.js';
import type { PoolHeartbeat, PoolRunner } from '../../src/redis/pool-runner.js';

// The member's incarnations against a runner of two shards that answers when told: the races of a sharded
// pool's heartbeat (its shards answer at different times) and of a heartbeat that cannot get through.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const leaseTtl = 3_000;

/** A runner of two shards whose heartbeats the test settles; records joins and leaves. */
function twoShardRunner() {
  const calls = { joins: [] as string[], leaves: [] as string[] };
  const beats: Array<{ resolve(reply: PoolHeartbeat): void; reject(error: unknown): void }> = [];
  const runner: {
    member: string;
    process: string;
    shards: object[];
    shardOfLease(lease: number): number;
    shardOfKey(): number;
    join(): Promise<number[]>;
    leave(final: boolean, member?: string): Promise<void>;
    heartbeat(): Promise<PoolHeartbeat>;
  } = {
    member: 'm',
    process: 'm',
    shards: [{}, {}],
    shardOfLease: (lease: number) => lease % 2,
    shardOfKey: () => 0,
    join: async () => {
      calls.joins.push(runner.member);
      return [0, 0];
    },
    leave: async (_final: boolean, member = runner.member) => {
      calls.leaves.push(member);
    },
    heartbeat: () => new Promise<PoolHeartbeat>((resolve, reject) => beats.push({ resolve, reject })),
  };
  return { runner, calls, beats };
}

function startMember(runner: unknown) {
  const link = new MemberLink(runner as PoolRunner, leaseTtl, new AbortController().signal);
  const actor = createActor(memberMachine, { input: { member: 'm', leaseTtl, link } });
  actor.start();
  return { actor, link };
}

test('a lease seen while a heartbeat is on its way is no sign of lost writes: the member stays as it is', async () => {
  const { runner, calls, beats } = twoShardRunner();
  const { actor, link } = startMember(runner);
  await vi.advanceTimersByTimeAsync(0);
  link.sawLease(41);
  await vi.advanceTimersByTimeAsync(leaseTtl / 3);
  expect(beats).toHaveLength(1);
  // Shard 1 granted lease 43 after its heartbeat script ran, and the grant's notice came before the reply.
  link.sawLease(43);
  beats[0]?.resolve({ status: 'ok', leases: [], waiting: new Map(), lastLeases: [0, 41] });
  await vi.advanceTimersByTimeAsync(0);
  expect(actor.getSnapshot().matches('live')).toBe(true);
  expect(calls.joins).toEqual(['m']);
  expect(runner.member).toBe('m');
  actor.stop();
});

test('a last lease id below one seen before the heartbeat was sent is lost writes: the member rejoins', async () => {
  const { runner, calls, beats } = twoShardRunner();
  const { actor, link } = startMember(runner);
  await vi.advanceTimersByTimeAsync(0);
  link.sawLease(43);
  await vi.advanceTimersByTimeAsync(leaseTtl / 3);
  beats[0]?.resolve({ status: 'ok', leases: [], waiting: new Map(), lastLeases: [0, 41] });
  await vi.advanceTimersByTimeAsync(0);
  expect(calls.joins).toEqual(['m', 'm/1']);
  expect(calls.leaves).toEqual(['m']);
  actor.stop();
});

test('a member whose deadline passes without a heartbeat through sends as a new incarnation at once, and its rejoin leaves the old one', async () => {
  const { runner, calls, beats } = twoShardRunner();
  const { actor, link } = startMember(runner);
  await vi.advanceTimersByTimeAsync(0);
  // One shard cannot be reached: every heartbeat round fails, while the other shards may still grant.
  const failing = setInterval(() => {
    for (const beat of beats.splice(0)) beat.reject(new Error('a master is unreachable'));
  }, 10);
  await vi.advanceTimersByTimeAsync(leaseTtl - 10);
  expect(runner.member).toBe('m');
  await vi.advanceTimersByTimeAsync(20);
  // From here a request is sent as m/1, which no shard knows ("gone"): none is granted to an unwatched m.
  expect(runner.member).toBe('m/1');
  expect(link.isRetired('m')).toBe(true);
  clearInterval(failing);
  // The master is back: a shard that no longer knows m/1 answers gone, and the member rejoins.
  await vi.advanceTimersByTimeAsync(1_000);
  for (const beat of beats.splice(0)) beat.resolve({ status: 'gone' });
  await vi.advanceTimersByTimeAsync(0);
  expect(calls.leaves).toEqual(['m']);
  expect(calls.joins).toEqual(['m', 'm/1']);
  expect(actor.getSnapshot().matches('live')).toBe(true);
  actor.stop();
});

test('a rejoin that only some shards took leaves that incarnation behind: the next try leaves it and joins as a new one', async () => {
  const { runner, calls, beats } = twoShardRunner();
  const join = runner.join;
  // Home and shard 0 take the join of m/1, shard 1 cannot be reached.
  runner.join = async () => {
    if (runner.member === 'm/1') {
      calls.joins.push(runner.member);
      throw new Error('a master is unreachable');
    }
    return join();
  };
  const { actor } = startMember(runner);
  await vi.advanceTimersByTimeAsync(leaseTtl / 3);
  beats.splice(0)[0]?.resolve({ status: 'gone' });
  await vi.advanceTimersByTimeAsync(0);
  // Nothing is granted to m/1 before a whole join: requests go as m/2, which no shard knows yet.
  expect(runner.member).toBe('m/2');
  await vi.advanceTimersByTimeAsync(1_000);
  for (const beat of beats.splice(0)) beat.resolve({ status: 'gone' });
  await vi.advanceTimersByTimeAsync(0);
  expect(calls.joins).toEqual(['m', 'm/1', 'm/2']);
  expect(calls.leaves).toEqual(['m', 'm/1']);
  expect(actor.getSnapshot().matches('live')).toBe(true);
  actor.stop();
});
