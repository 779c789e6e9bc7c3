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
  setTarget,
  stopsAtOnce,
} from './grants.js';
import { type GroupActorRef, type GroupEntry, GroupTable } from './group-table.js';
import { LeaseLedger } from './lease-ledger.js';
import type { PoolContext, PoolEmitted, PoolEvent } from './pool-types.js';
import { WaiterQueue } from './waiter-queue.js';

/** The two effects of enqueueActions' `enqueue` that grant decisions use. */
interface Enqueue {
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

  constructor(enqueue: Enqueue) {
    this.#enqueue = enqueue;
  }

  granted(requestId: number, leaseId: number, key: unknown): void {
    this.#enqueue.emit({ type: 'lease.granted', requestId, leaseId, key });
  }

  tell(entry: GroupEntry, event: GroupEvent): void {
    this.#enqueue.sendTo(entry.ref, event);
  }

  retire(entry: GroupEntry): void {
    this.#enqueue.stopChild(entry.ref);
  }

  revoked(key: unknown, leaseIds: readonly number[]): void {
    this.#enqueue.emit({ type: 'leases.revoked', key, leaseIds });
  }
}

function effectsOf(enqueue: Enqueue): GrantEffects {
  return new EnqueuedEffects(enqueue);
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
     * A lease can be granted to the requesting event at once (SPEC S5: then
     * no older waiter could take it). Checked as a guard so that a request
     * that must wait, or a try that gets nothing, skips `enqueueActions`.
     */
    canGrantNow: ({ context, event }) =>
      (event.type === 'lease.request' || event.type === 'lease.try') && grantableEntry(context, event) !== undefined,
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
      setTarget(context, event.key, event.target, self, effectsOf(enqueue));
    }),
    grantRequest: enqueueActions(({ context, event, enqueue }) => {
      // Stryker disable next-line all: bound to this event only, the check just narrows the type
      if (event.type !== 'lease.request' && event.type !== 'lease.try') return;
      grantNow(context, event.requestId, event, effectsOf(enqueue));
    }),
    queueRequest: ({ context, event }) => {
      // Stryker disable next-line all: bound to this event only, the check just narrows the type
      if (event.type !== 'lease.request') return;
      context.waiters.add(event.requestId, event);
    },
    releaseLease: enqueueActions(({ context, event, enqueue }) => {
      // Stryker disable next-line all: bound to this event only, the check just narrows the type
      if (event.type !== 'lease.release') return;
      release(context, event.leaseId, effectsOf(enqueue));
      if (context.leases.size === 0) enqueue.emit({ type: 'pool.drained' });
    }),
    releaseLeaseAfterStop: enqueueActions(({ context, event, enqueue }) => {
      // Stryker disable next-line all: bound to this event only, the check just narrows the type
      if (event.type !== 'lease.release') return;
      releaseAfterStop(context, event.leaseId, effectsOf(enqueue));
      if (context.leases.size === 0) enqueue.emit({ type: 'pool.drained' });
    }),
    cancelRequest: ({ context, event }) => {
      // Stryker disable next-line all: bound to this event only, the check just narrows the type
      if (event.type !== 'request.cancel') return;
      context.waiters.cancel(event.requestId);
    },
    closeAll: enqueueActions(({ context, enqueue, self }) => {
      const { dropped, more } = closeAll(context, effectsOf(enqueue));
      enqueue.emit({ type: 'pool.stopped', dropped });
      if (more) enqueue.sendTo(self, { type: 'groups.close' });
    }),
    closeMoreGroups: enqueueActions(({ context, enqueue, self }) => {
      if (closeGroups(context, effectsOf(enqueue))) enqueue.sendTo(self, { type: 'groups.close' });
    }),
  },
});

/**
 * The pool actor. It owns the groups (one child actor per key), the FIFO of
 * waiters, the rotation of groups that can grant and the leases out, and
 * decides every grant synchronously inside the event that makes it possible
 * (SPEC S5). It tells the caller of a grant by emitting `lease.granted`, and
 * of revoked leases by emitting `leases.revoked` inside the `target.set`
 * event that lowers a target below the leases out (S11).
 *
 * States: `running` grants; `stopping` has stopped granting but still takes
 * releases of the leases out (and closes groups in batches, see
 * `groups.close`); `stopped` is final, reached once none is out and every
 * group is closed.
 * Context {@link PoolContext}; accepts {@link PoolEvent}; emits {@link PoolEmitted}.
 */
export const poolMachine = poolSetup.createMachine({
  id: 'pool',
  context: () => ({
    groups: new GroupTable(),
    waiters: new WaiterQueue(),
    ready: new LinkedList<GroupEntry>(),
    leases: new LeaseLedger(),
  }),
  initial: 'running',
  states: {
    running: {
      on: {
        'target.set': { guard: 'isValidTarget', actions: 'setTarget' },
        'lease.request': [{ guard: 'canGrantNow', actions: 'grantRequest' }, { actions: 'queueRequest' }],
        'lease.try': { guard: 'canGrantNow', actions: 'grantRequest' },
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
    stopped: { type: 'final' },
  },
});

/** The pool machine's type. */
export type PoolMachine = typeof poolMachine;

/** A running pool actor. */
export type PoolActorRef = ActorRefFrom<PoolMachine>;
