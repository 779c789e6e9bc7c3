import type { LinkedList } from '../linked-list.js';
import type { GroupEntry, GroupTable } from './group-table.js';
import type { LeaseLedger } from './lease-ledger.js';
import type { LeaseRelay } from './lease-relay.js';
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
  /** Where grants and drains go when someone listens (the facade), instead of being emitted. */
  readonly relay: LeaseRelay;
  /** The target of groups created on demand by keyed requests; `undefined`: no such groups. */
  readonly defaultTarget: number | undefined;
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

/** The waiting request `requestId` is withdrawn (its signal aborted). */
export interface PoolRequestCancelEvent {
  readonly type: 'request.cancel';
  readonly requestId: number;
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

/** Request `requestId` was granted lease `leaseId` of `key`'s group. */
export interface LeaseGrantedEmitted {
  readonly type: 'lease.granted';
  readonly requestId: number;
  readonly leaseId: number;
  readonly key: unknown;
}

/**
 * `set` lowered `key`'s target below its leases out: the holders of
 * `leaseIds` (the group's newest unrevoked leases, newest first) are asked
 * to wind down. They keep counting until released.
 */
export interface LeasesRevokedEmitted {
  readonly type: 'leases.revoked';
  readonly key: unknown;
  readonly leaseIds: readonly number[];
}

/** The last lease out was released. */
export interface PoolDrainedEmitted {
  readonly type: 'pool.drained';
}

/** The pool stopped; the listed waiting requests were dropped, oldest first. */
export interface PoolStoppedEmitted {
  readonly type: 'pool.stopped';
  readonly dropped: readonly number[];
}

/** Every event the pool actor emits to its listeners. */
export type PoolEmitted = LeaseGrantedEmitted | LeasesRevokedEmitted | PoolDrainedEmitted | PoolStoppedEmitted;
