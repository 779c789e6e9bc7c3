import { type ActorRefFrom, enqueueActions, setup } from 'xstate';
import type { GroupEvent } from '../group/group-types.js';
import { LinkedList } from '../linked-list.js';
import {
  closeAll,
  closeGroups,
  type GrantEffects,
  grantableEntry,
  grantNow,
  release,
  releaseAfterStop,
  releaseRetires,
  setTarget,
  stopsAtOnce,
} from './grants.js';
import { type GroupActorRef, type GroupEntry, GroupTable } from './group-table.js';
import { LeaseLedger } from './lease-ledger.js';
import { LeaseRelay } from './lease-relay.js';
import { adoptGroup, createsGroupOnDemand, requestOnDemand } from './on-demand.js';
import type { PoolContext, PoolEmitted, PoolEvent, PoolInput } from './pool-types.js';
import { WaiterQueue } from './waiter-queue.js';

/** The effects of enqueueActions' `enqueue` that grant decisions use. */
interface Enqueue {
  (action: () => void): void;
  emit(event: PoolEmitted): void;
  sendTo(ref: GroupActorRef, event: GroupEvent): void;
  stopChild(ref: GroupActorRef): void;
}

/**
 * Binds the grant decisions to this actor's emit and sendTo. A class rather
 * than three closures: one allocation per event on the hot paths.
 */
class EnqueuedEffects implements GrantEffects {
  readonly #enqueue: Enqueue;
  readonly #relay: LeaseRelay;

  constructor(enqueue: Enqueue, relay: LeaseRelay) {
    this.#enqueue = enqueue;
    this.#relay = relay;
  }

  granted(requestId: number, leaseId: number, key: unknown): void {
    if (this.#relay.listening) this.#enqueue(() => this.#relay.granted(requestId, leaseId, key));
    else this.#enqueue.emit({ type: 'lease.granted', requestId, leaseId, key });
  }

  tell(entry: GroupEntry, event: GroupEvent): void {
    // A plain call rather than sendTo: sendTo is run from XState's deferred queue, which it drains
    // with Array#shift, so one event that tells tens of thousands of grants would be quadratic.
    // The ref is taken now: a decision made later in the same action may let go of the entry's actor.
    const ref = entry.ref;
    this.#enqueue(() => ref.send(event));
  }

  retire(entry: GroupEntry): void {
    this.#enqueue.stopChild(entry.ref);
  }

  revoked(key: unknown, leaseIds: readonly number[]): void {
    this.#enqueue.emit({ type: 'leases.revoked', key, leaseIds });
  }
}

function effectsOf(enqueue: Enqueue, context: PoolContext): GrantEffects {
  return new EnqueuedEffects(enqueue, context.relay);
}

/** Tells the pool's drain to its relay's listeners, or emits it when none listens. */
function enqueueDrained(enqueue: Enqueue & { emit(event: PoolEmitted): void }, relay: LeaseRelay): void {
  if (relay.listening) enqueue(() => relay.drained());
  else enqueue.emit({ type: 'pool.drained' });
}

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

/** Whether `event` is a request or try that a group can grant at once. */
function grantsAtOnce(context: PoolContext, event: PoolEvent): boolean {
  return (event.type === 'lease.request' || event.type === 'lease.try') && grantableEntry(context, event) !== undefined;
}

const poolSetup = setup({
  types: {
    context: {} as PoolContext,
    events: {} as PoolEvent,
    emitted: {} as PoolEmitted,
  },
  guards: {
    /** The target is one `set` accepts; the facade checks first, this keeps a raw send from corrupting counts. */
    isValidTarget: ({ event }) =>
      event.type === 'target.set' && Number.isSafeInteger(event.target) && event.target >= 0 && event.key !== undefined,
    /**
     * A lease can be granted to the requesting event at once (then
     * no older waiter could take it). Checked as a guard so that a request
     * that must wait, or a try that gets nothing, skips `enqueueActions`.
     */
    canGrantNow: ({ context, event }) => grantsAtOnce(context, event),
    /**
     * As `canGrantNow`, and the relay has listeners, so that the grant can
     * be made by a plain action without emitting.
     */
    canGrantNowDirect: ({ context, event }) => context.relay.listening && grantsAtOnce(context, event),
    /** The relay has listeners and the release retires no group: a plain action can do it. */
    releasesDirect: ({ context, event }) =>
      context.relay.listening && event.type === 'lease.release' && !releaseRetires(context, event.leaseId),
    /** The request is keyed, its key has no group, and the pool creates groups on demand (its default target). */
    createsGroupOnDemand: ({ context, event }) =>
      (event.type === 'lease.request' || event.type === 'lease.try') && createsGroupOnDemand(context, event),
    /** Stopping ends in this event: no lease is out and one batch closes every group. */
    stopsAtOnce: ({ context }) => stopsAtOnce(context),
    /** The event releases the only lease still out. */
    releasesLastLease: ({ context, event }) =>
      event.type === 'lease.release' && context.leases.size === 1 && context.leases.has(event.leaseId),
  },
  actions: {
    setTarget: enqueueActions(({ context, event, enqueue, self }) => {
      // Stryker disable next-line all: bound to this event only, the check just narrows the type
      if (event.type !== 'target.set') return;
      adoptGroup(context, event.key);
      setTarget(context, event.key, event.target, self, effectsOf(enqueue, context));
    }),
    requestOnDemand: enqueueActions(({ context, event, enqueue, self }) => {
      // Stryker disable next-line all: bound to these events only, the check just narrows the type
      if ((event.type !== 'lease.request' && event.type !== 'lease.try') || event.anyKey) return;
      requestOnDemand(
        context,
        event.requestId,
        event.key,
        event.type === 'lease.request',
        self,
        effectsOf(enqueue, context),
      );
    }),
    grantRequest: enqueueActions(({ context, event, enqueue }) => {
      // Stryker disable next-line all: bound to this event only, the check just narrows the type
      if (event.type !== 'lease.request' && event.type !== 'lease.try') return;
      grantNow(context, event.requestId, event, effectsOf(enqueue, context));
    }),
    grantRequestDirect: ({ context, event }) => {
      // Stryker disable next-line all: bound to these events only, the check just narrows the type
      if (event.type !== 'lease.request' && event.type !== 'lease.try') return;
      grantNow(context, event.requestId, event, context.relay);
    },
    releaseLeaseDirect: ({ context, event }) => {
      // Stryker disable next-line all: bound to this event only, the check just narrows the type
      if (event.type !== 'lease.release') return;
      release(context, event.leaseId, context.relay);
      if (context.leases.size === 0) context.relay.drained();
    },
    queueRequest: ({ context, event }) => {
      // Stryker disable next-line all: bound to this event only, the check just narrows the type
      if (event.type !== 'lease.request') return;
      context.waiters.add(event.requestId, event);
    },
    releaseLease: enqueueActions(({ context, event, enqueue }) => {
      // Stryker disable next-line all: bound to this event only, the check just narrows the type
      if (event.type !== 'lease.release') return;
      release(context, event.leaseId, effectsOf(enqueue, context));
      if (context.leases.size === 0) enqueueDrained(enqueue, context.relay);
    }),
    releaseLeaseAfterStop: enqueueActions(({ context, event, enqueue }) => {
      // Stryker disable next-line all: bound to this event only, the check just narrows the type
      if (event.type !== 'lease.release') return;
      releaseAfterStop(context, event.leaseId, effectsOf(enqueue, context));
      if (context.leases.size === 0) enqueueDrained(enqueue, context.relay);
    }),
    cancelRequest: ({ context, event }) => {
      // Stryker disable next-line all: bound to this event only, the check just narrows the type
      if (event.type !== 'request.cancel') return;
      context.waiters.cancel(event.requestId);
    },
    closeAll: enqueueActions(({ context, enqueue, self }) => {
      const { dropped, more } = closeAll(context, effectsOf(enqueue, context));
      enqueue.emit({ type: 'pool.stopped', dropped });
      if (more) enqueue.sendTo(self, { type: 'groups.close' });
    }),
    closeMoreGroups: enqueueActions(({ context, enqueue, self }) => {
      if (closeGroups(context, effectsOf(enqueue, context))) enqueue.sendTo(self, { type: 'groups.close' });
    }),
  },
});

/**
 * The pool actor. It owns the groups (one child actor per key), the FIFO of
 * waiters, the rotation of groups that can grant and the leases out, and
 * decides every grant synchronously inside the event that makes it possible
 * (so that no call leaves a waiter beside a group that could serve it). It
 * tells the caller of a grant (and of the last lease coming back) through
 * the relay in its context when someone listens there, as the facade does,
 * and by emitting `lease.granted` (`pool.drained`) otherwise; of revoked
 * leases by emitting `leases.revoked` inside the `target.set` event that
 * lowers a target below the leases out. The grants and releases that retire
 * no group and revoke nothing are plain actions when the relay listens;
 * the rest go through `enqueueActions`.
 *
 * States: `running` grants; `stopping` has stopped granting but still takes
 * releases of the leases out (and closes groups in batches, see
 * `groups.close`); `stopped` is final, reached once none is out and every
 * group is closed.
 * Context {@link PoolContext}; accepts {@link PoolEvent}; emits {@link PoolEmitted}.
 */
export const poolMachine = poolSetup.createMachine({
  id: 'pool',
  context: ({ input }) => {
    return {
      groups: new GroupTable(),
      waiters: new WaiterQueue(),
      ready: new LinkedList<GroupEntry>(),
      leases: new LeaseLedger(),
      relay: new LeaseRelay(),
      defaultTarget: defaultTargetOf(input),
    };
  },
  initial: 'running',
  states: {
    running: {
      on: {
        'target.set': { guard: 'isValidTarget', actions: 'setTarget' },
        'lease.request': [
          { guard: 'createsGroupOnDemand', actions: 'requestOnDemand' },
          { guard: 'canGrantNowDirect', actions: 'grantRequestDirect' },
          { guard: 'canGrantNow', actions: 'grantRequest' },
          { actions: 'queueRequest' },
        ],
        'lease.try': [
          { guard: 'createsGroupOnDemand', actions: 'requestOnDemand' },
          { guard: 'canGrantNowDirect', actions: 'grantRequestDirect' },
          { guard: 'canGrantNow', actions: 'grantRequest' },
        ],
        'lease.release': [{ guard: 'releasesDirect', actions: 'releaseLeaseDirect' }, { actions: 'releaseLease' }],
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
    stopped: { type: 'final' },
  },
});

/** The pool machine's type. */
export type PoolMachine = typeof poolMachine;

/** A running pool actor. */
export type PoolActorRef = ActorRefFrom<PoolMachine>;
