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
  type Pool,
  type PoolContext,
  type PoolEmitted,
  type PoolEvent,
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

  test('its emitted events are typed', () => {
    const actor = createActor(poolMachine);
    actor.on('lease.granted', (event) => {
      expectTypeOf(event).toExtend<Extract<PoolEmitted, { type: 'lease.granted' }>>();
      expectTypeOf(event.type).toEqualTypeOf<'lease.granted'>();
      expectTypeOf(event.requestId).toEqualTypeOf<number>();
      expectTypeOf(event.leaseId).toEqualTypeOf<number>();
    });
    actor.on('pool.stopped', (event) => {
      expectTypeOf(event.dropped).toEqualTypeOf<readonly number[]>();
    });
    function misuse() {
      // @ts-expect-error: the pool emits no such event
      actor.on('lease.revoked', () => {});
      // @ts-expect-error: pool.drained carries no lease id
      actor.on('pool.drained', (event) => event.leaseId);
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
