import { type ActorRefFrom, enqueueActions, setup } from 'xstate';
import { LinkedList } from '../linked-list.js';
import {
  closeAll,
  closeGroups,
  grantableEntry,
  grantNow,
  release,
  releaseAfterStop,
  setTarget,
  stopsAtOnce,
} from './grants.js';
import { type GroupEntry, GroupTable } from './group-table.js';
import { LeaseLedger } from './lease-ledger.js';
import { adoptGroup, createsGroupOnDemand, requestOnDemand } from './on-demand.js';
import { PoolOutlet } from './pool-outlet.js';
import { type PoolContext, type PoolEvent, type PoolInput, RetiredGroups } from './pool-types.js';
import { WaiterQueue } from './waiter-queue.js';

/**
 * The default target in the actor's input ({@link PoolInput}), if it is a
 * safe integer ≥ 1. The input stays untyped so that `createActor(poolMachine)`
 * needs none; the facade checks first, this keeps a raw input from
 * corrupting counts.
 */
function defaultTargetOf(input: unknown): number | undefined {
  const target = (input as PoolInput | undefined)?.defaultTarget;
  return Number.isSafeInteger(target) && (target as number) >= 1 ? target : undefined;
}

/** The key a waiting request asks for, `undefined` for any key, as the outlet tells it. */
function keyAsked(event: { readonly anyKey: boolean; readonly key?: unknown }): unknown {
  return event.anyKey ? undefined : event.key;
}

const poolSetup = setup({
  types: {
    context: {} as PoolContext,
    events: {} as PoolEvent,
    // No `emitted`: the pool emits nothing; its one way out is its outlet (listenToPool).
  },
  guards: {
    /** The target is one `set` accepts; the facade checks first, this keeps a raw send from corrupting counts. */
    isValidTarget: ({ event }) =>
      event.type === 'target.set' && Number.isSafeInteger(event.target) && event.target >= 0 && event.key !== undefined,
    /**
     * A lease can be granted to the requesting event at once (then no older
     * waiter could take it); otherwise a request waits and a try gets nothing.
     */
    canGrantNow: ({ context, event }) =>
      (event.type === 'lease.request' || event.type === 'lease.try') && grantableEntry(context, event) !== undefined,
    /** The request is keyed, its key has no group, and the pool creates groups on demand (its default target). */
    createsGroupOnDemand: ({ context, event }) =>
      (event.type === 'lease.request' || event.type === 'lease.try') && createsGroupOnDemand(context, event),
    /** Stopping ends in this event: no lease is out and one batch closes every group. */
    stopsAtOnce: ({ context }) => stopsAtOnce(context),
    /** The event releases the only lease still out. */
    releasesLastLease: ({ context, event }) =>
      event.type === 'lease.release' && context.leases.size === 1 && context.leases.has(event.leaseId),
    /** The event just processed retired group actors that are still running. */
    retiredGroups: ({ context }) => context.retired.size > 0,
  },
  actions: {
    // The two actions that may start a group actor are `enqueueActions`, whose callback runs outside
    // XState's custom-action execution: starting a machine actor runs an `assign` (its context), which
    // XState's development build warns about when it happens inside a plain action.
    setTarget: enqueueActions(({ context, event, self }) => {
      // Stryker disable next-line all: bound to this event only, the check just narrows the type
      if (event.type !== 'target.set') return;
      adoptGroup(context, event.key);
      setTarget(context, event.key, event.target, self);
    }),
    requestOnDemand: enqueueActions(({ context, event, self }) => {
      // Stryker disable next-line all: bound to these events only, the check just narrows the type
      if ((event.type !== 'lease.request' && event.type !== 'lease.try') || event.anyKey) return;
      const waits = event.type === 'lease.request';
      if (waits) context.outlet.requested(event.requestId, event.key);
      requestOnDemand(context, event.requestId, event.key, waits, self);
    }),
    grantRequest: ({ context, event }) => {
      // Stryker disable next-line all: bound to these events only, the check just narrows the type
      if (event.type !== 'lease.request' && event.type !== 'lease.try') return;
      if (event.type === 'lease.request') context.outlet.requested(event.requestId, keyAsked(event));
      grantNow(context, event.requestId, event);
    },
    queueRequest: ({ context, event }) => {
      // Stryker disable next-line all: bound to this event only, the check just narrows the type
      if (event.type !== 'lease.request') return;
      context.outlet.requested(event.requestId, keyAsked(event));
      context.waiters.add(event.requestId, event);
    },
    releaseLease: ({ context, event }) => {
      // Stryker disable next-line all: bound to this event only, the check just narrows the type
      if (event.type !== 'lease.release') return;
      const out = context.leases.size;
      release(context, event.leaseId);
      if (out > 0 && context.leases.size === 0) context.outlet.drained();
    },
    releaseLeaseAfterStop: ({ context, event }) => {
      // Stryker disable next-line all: bound to this event only, the check just narrows the type
      if (event.type !== 'lease.release') return;
      const out = context.leases.size;
      releaseAfterStop(context, event.leaseId);
      if (out > 0 && context.leases.size === 0) context.outlet.drained();
    },
    cancelRequest: ({ context, event }) => {
      // Stryker disable next-line all: bound to this event only, the check just narrows the type
      if (event.type !== 'request.cancel') return;
      if (context.waiters.cancel(event.requestId)) context.outlet.withdrawn(event.requestId, event.reason);
    },
    closeAll: ({ context, self }) => {
      const { dropped, more } = closeAll(context);
      context.outlet.stopped(dropped);
      // Sent to itself, not handled here: see CLOSE_BATCH. Handled before the send that stopped the pool returns.
      if (more) self.send({ type: 'groups.close' });
    },
    closeMoreGroups: ({ context, self }) => {
      if (closeGroups(context)) self.send({ type: 'groups.close' });
    },
    /** Stops the group actors the event retired; XState's `stopChild` is the only way to stop a child actor. */
    stopRetiredGroups: enqueueActions(({ context, enqueue }) => {
      for (const ref of context.retired.take()) enqueue.stopChild(ref);
    }),
  },
});

/**
 * The pool actor. It owns the groups (one child actor per key), the FIFO of
 * waiters, the rotation of groups that can grant and the leases out, and
 * decides every grant synchronously inside the event that makes it possible
 * (so that no call leaves a waiter beside a group that could serve it).
 * Everything it decides about a request or a lease (requested, granted,
 * withdrawn, released, revoked, drained, stopped) goes out one way: the
 * outlet in its context, which tells the listeners added with
 * `listenToPool`, by a plain call from the action that decides it. It emits
 * no events. One action per decision; the group actors a decision retired
 * are stopped by XState's `stopChild`, in an eventless transition right
 * after it, taken only when there are some.
 *
 * States: `running` grants; `stopping` has stopped granting but still takes
 * releases of the leases out (and closes groups in batches, see
 * `groups.close`); `stopped` is final, reached once none is out and every
 * group is closed.
 * Context {@link PoolContext}; accepts {@link PoolEvent}.
 */
export const poolMachine = poolSetup.createMachine({
  id: 'pool',
  context: ({ input }) => {
    return {
      groups: new GroupTable(),
      waiters: new WaiterQueue(),
      ready: new LinkedList<GroupEntry>(),
      leases: new LeaseLedger(),
      outlet: new PoolOutlet(),
      retired: new RetiredGroups(),
      defaultTarget: defaultTargetOf(input),
    };
  },
  initial: 'running',
  // Checked after every step, in every state but the final one (whose entry does the same).
  always: { guard: 'retiredGroups', actions: 'stopRetiredGroups' },
  states: {
    running: {
      on: {
        'target.set': { guard: 'isValidTarget', actions: 'setTarget' },
        'lease.request': [
          { guard: 'createsGroupOnDemand', actions: 'requestOnDemand' },
          { guard: 'canGrantNow', actions: 'grantRequest' },
          { actions: 'queueRequest' },
        ],
        'lease.try': [
          { guard: 'createsGroupOnDemand', actions: 'requestOnDemand' },
          { guard: 'canGrantNow', actions: 'grantRequest' },
        ],
        'lease.release': { actions: 'releaseLease' },
        'request.cancel': { actions: 'cancelRequest' },
        'pool.stop': [
          { guard: 'stopsAtOnce', target: 'stopped', actions: 'closeAll' },
          { target: 'stopping', actions: 'closeAll' },
        ],
      },
    },
    stopping: {
      on: {
        'lease.release': [
          { guard: 'releasesLastLease', target: 'stopped', actions: 'releaseLeaseAfterStop' },
          { actions: 'releaseLeaseAfterStop' },
        ],
        'groups.close': [
          { guard: 'stopsAtOnce', target: 'stopped', actions: 'closeMoreGroups' },
          { actions: 'closeMoreGroups' },
        ],
      },
    },
    stopped: { type: 'final', entry: 'stopRetiredGroups' },
  },
});

/** The pool machine's type. */
export type PoolMachine = typeof poolMachine;

/** A running pool actor. */
export type PoolActorRef = ActorRefFrom<PoolMachine>;
