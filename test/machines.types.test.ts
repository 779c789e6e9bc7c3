// Type tests of the exported machines: `npm run typecheck` compiles them, so
// an event or emitted event that stops being checked fails the build. The
// actors are never started.

import { describe, expectTypeOf, test } from 'vitest';
import { createActor } from 'xstate';
import {
  type GroupContext,
  type GroupEvent,
  type GroupState,
  groupMachine,
  listenToPool,
  type Pool,
  type PoolContext,
  type PoolEvent,
  type PoolListener,
  poolMachine,
} from '../src/index.js';

describe('the pool machine', () => {
  test('accepts exactly the pool events', () => {
    const actor = createActor(poolMachine);
    expectTypeOf(actor.send).parameter(0).toEqualTypeOf<PoolEvent>();
    expectTypeOf(actor.getSnapshot().context).toEqualTypeOf<PoolContext>();
  });

  test('a wrong event is a compile error', () => {
    const actor = createActor(poolMachine);
    function misuse() {
      // @ts-expect-error: no such event
      actor.send({ type: 'pool.start' });
      // @ts-expect-error: target.set needs a target
      actor.send({ type: 'target.set', key: 'spam' });
      // @ts-expect-error: a lease id is a number
      actor.send({ type: 'lease.release', leaseId: '1' });
      // @ts-expect-error: a group event is not a pool event
      actor.send({ type: 'lease.grant', leaseId: 1 });
    }
    expectTypeOf(misuse).toBeFunction();
  });

  test('its one way out, listenToPool, is typed', () => {
    const actor = createActor(poolMachine);
    listenToPool(actor, {
      granted(requestId, leaseId, key) {
        expectTypeOf(requestId).toEqualTypeOf<number>();
        expectTypeOf(leaseId).toEqualTypeOf<number>();
        expectTypeOf(key).toEqualTypeOf<unknown>();
      },
      revoked(_key, leaseIds) {
        expectTypeOf(leaseIds).toEqualTypeOf<readonly number[]>();
      },
      stopped(dropped) {
        expectTypeOf(dropped).toEqualTypeOf<readonly number[]>();
      },
    });
    expectTypeOf(listenToPool).returns.toEqualTypeOf<() => void>();
    function misuse() {
      // @ts-expect-error: the listener has no such method
      listenToPool(actor, { leaseGranted() {} } satisfies PoolListener);
      // @ts-expect-error: a grant is told with numbers
      listenToPool(actor, { granted: (requestId: string) => requestId });
    }
    expectTypeOf(misuse).toBeFunction();
  });

  test("a pool's actor is the pool machine's actor", () => {
    expectTypeOf<Pool['actor']['send']>().parameter(0).toEqualTypeOf<PoolEvent>();
    expectTypeOf<ReturnType<Pool['actor']['getSnapshot']>['context']>().toEqualTypeOf<PoolContext>();
  });
});

describe('the group machine', () => {
  test('accepts exactly the group events, and its states are the standings then closing and closed', () => {
    const actor = createActor(groupMachine, { input: { key: 'spam', target: 1 } });
    expectTypeOf(actor.send).parameter(0).toEqualTypeOf<GroupEvent>();
    expectTypeOf(actor.getSnapshot().context).toEqualTypeOf<GroupContext>();
    expectTypeOf(actor.getSnapshot().value).toEqualTypeOf<GroupState>();
  });

  test('a wrong event or input is a compile error', () => {
    const actor = createActor(groupMachine, { input: { key: 'spam', target: 1 } });
    function misuse() {
      // @ts-expect-error: lease.grant needs a lease id
      actor.send({ type: 'lease.grant' });
      // @ts-expect-error: a target is a number
      actor.send({ type: 'target.set', target: '2' });
      // @ts-expect-error: a pool event is not a group event
      actor.send({ type: 'pool.stop' });
      // @ts-expect-error: the input needs a target
      createActor(groupMachine, { input: { key: 'spam' } });
    }
    expectTypeOf(misuse).toBeFunction();
  });
});
