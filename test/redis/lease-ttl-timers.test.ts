import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { MemberLink } from '../../src/redis/member-link.js';
import { type BeatOutput, memberMachine } from '../../src/redis/member-machine.js';
import type { PoolRunner } from '../../src/redis/pool-runner.js';
import { maxLeaseTtl } from '../../src/redis/validate-options.js';

// Fake timers clamp a delay above 2³¹−1 ms to 1 ms, as Node does, so a timer the bound lets overflow fires at once here too.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A member with the longest `leaseTtl` the options accept; counts its heartbeats and lost leases. */
function longestLivedMember(heartbeat: () => Promise<BeatOutput>) {
  const seen = { beats: 0, lost: 0 };
  const machine = memberMachine.provide({
    actors: {
      join: fromPromise<BeatOutput, MemberLink>(async () => ({ status: 'ok', sentAt: Date.now() })),
      heartbeat: fromPromise<BeatOutput, MemberLink>(() => {
        seen.beats++;
        return heartbeat();
      }),
    },
  });
  // The Redis work is provided above: the link's runner is never called.
  const link = new MemberLink({} as PoolRunner, maxLeaseTtl, new AbortController().signal);
  const actor = createActor(machine, { input: { member: 'm', leaseTtl: maxLeaseTtl, link } });
  actor.on('leases.lost', () => {
    seen.lost++;
  });
  actor.start();
  return { actor, seen };
}

test('a member with the longest accepted leaseTtl heartbeats first after leaseTtl / 3, not at once', async () => {
  const { actor, seen } = longestLivedMember(async () => ({ status: 'ok', sentAt: Date.now() }));
  await vi.advanceTimersByTimeAsync(0);
  expect(actor.getSnapshot().matches('live')).toBe(true);
  await vi.advanceTimersByTimeAsync(Math.floor(maxLeaseTtl / 3) - 1);
  expect(seen.beats).toBe(0);
  await vi.advanceTimersByTimeAsync(1);
  expect(seen.beats).toBe(1);
  actor.stop();
});

test('a member with the longest accepted leaseTtl whose heartbeat hangs loses its leases at leaseTtl, not at once', async () => {
  const { actor, seen } = longestLivedMember(() => new Promise<BeatOutput>(() => {}));
  await vi.advanceTimersByTimeAsync(0);
  expect(actor.getSnapshot().matches('live')).toBe(true);
  await vi.advanceTimersByTimeAsync(maxLeaseTtl - 1);
  expect(seen.lost).toBe(0);
  await vi.advanceTimersByTimeAsync(1);
  expect(seen.lost).toBe(1);
  actor.stop();
});
