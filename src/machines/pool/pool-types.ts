import type { LinkedList } from '../linked-list.js';
import type { GroupActorRef, GroupEntry, GroupTable } from './group-table.js';
import type { LeaseLedger } from './lease-ledger.js';
import type { PoolOutlet } from './pool-outlet.js';
import type { LeaseWant, WaiterQueue } from './waiter-queue.js';

/**
 * The pool actor's context. Its parts are mutable structures owned by the
 * actor and changed only by its named actions: copying them per event would
 * make every grant cost O(keys). Each serialises to a short
 * summary, so the inspector shows counts rather than `{}`.
 */
export interface PoolContext {
  /** The groups by key. */
  readonly groups: GroupTable;
  /** The pending waiters, FIFO. */
  readonly waiters: WaiterQueue;
  /** The groups that can grant, in the order they take turns (round-robin). */
  readonly ready: LinkedList<GroupEntry>;
  /** The leases that are out. */
  readonly leases: LeaseLedger;
  /** Where every decision about a request or a lease is told: the pool's one way out (see `listenToPool`). */
  readonly outlet: PoolOutlet;
  /**
   * The group actors that the event being processed retired (their groups
   * forgotten, or closed at stop), left for the eventless transition that
   * follows it to stop: stopping a child takes XState's `stopChild`.
   */
  readonly retired: RetiredGroups;
  /** The target of groups created on demand by keyed requests; `undefined`: no such groups. */
  readonly defaultTarget: number | undefined;
}

/** Group actors to stop, in the order they were retired. */
export class RetiredGroups {
  #refs: GroupActorRef[] = [];

  /** How many are waiting to be stopped. */
  get size(): number {
    return this.#refs.length;
  }

  /** Adds `ref`, to be stopped after the decision that retired it. */
  add(ref: GroupActorRef): void {
    this.#refs.push(ref);
  }

  /** Takes every actor waiting to be stopped, oldest first. */
  take(): GroupActorRef[] {
    const refs = this.#refs;
    this.#refs = [];
    return refs;
  }

  toJSON(): { toStop: number } {
    return { toStop: this.#refs.length };
  }
}

/** What the pool actor is started with. */
export interface PoolInput {
  /**
   * A safe integer ≥ 1: a keyed request for a key with no group creates that
   * group with this target, removed again once idle. Absent: such a request
   * waits for `set`.
   */
  readonly defaultTarget?: number | undefined;
}

/** Set `key`'s target. */
export interface PoolTargetSetEvent {
  readonly type: 'target.set';
  readonly key: unknown;
  readonly target: number;
}

/** A waiting request for a lease: granted now or queued, first come, first served. */
export type PoolLeaseRequestEvent = { readonly type: 'lease.request'; readonly requestId: number } & LeaseWant;

/** A request for a lease that is granted now or not at all. */
export type PoolLeaseTryEvent = { readonly type: 'lease.try'; readonly requestId: number } & LeaseWant;

/** Lease `leaseId` is released. */
export interface PoolLeaseReleaseEvent {
  readonly type: 'lease.release';
  readonly leaseId: number;
}

/** The waiting request `requestId` is withdrawn (the facade sends it when the request's signal aborts). */
export interface PoolRequestCancelEvent {
  readonly type: 'request.cancel';
  readonly requestId: number;
  /** Why, as the listeners' `withdrawn` is told: the facade gives the abort reason of the request's signal. */
  readonly reason?: unknown;
}

/** Stop the pool. */
export interface PoolStopEvent {
  readonly type: 'pool.stop';
}

/**
 * Close the next batch of groups while stopping. The pool sends it to
 * itself, so that stopping a pool with many groups stays linear; it is
 * handled within the `pool.stop` call that started it.
 */
export interface PoolGroupsCloseEvent {
  readonly type: 'groups.close';
}

/** Every event the pool actor accepts. */
export type PoolEvent =
  | PoolTargetSetEvent
  | PoolLeaseRequestEvent
  | PoolLeaseTryEvent
  | PoolLeaseReleaseEvent
  | PoolRequestCancelEvent
  | PoolStopEvent
  | PoolGroupsCloseEvent;
