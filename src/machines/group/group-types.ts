import type { GroupCounts } from './standing.js';

/** What a group actor is started with: its key and its first target (≥ 1). */
export interface GroupInput {
  /** The key whose group this actor is. */
  readonly key: unknown;
  /** The first target, at least 1. */
  readonly target: number;
}

/** A group actor's context: the key it serves and its counts. */
export interface GroupContext extends GroupCounts {
  /** The key whose group this actor is. */
  readonly key: unknown;
}

/** The pool changed the group's target. */
export interface TargetSetEvent {
  readonly type: 'target.set';
  readonly target: number;
}

/** The pool granted one lease of this group's capacity. */
export interface LeaseGrantEvent {
  readonly type: 'lease.grant';
  readonly leaseId: number;
}

/** A lease of this group was released and not handed on. */
export interface LeaseReleaseEvent {
  readonly type: 'lease.release';
  readonly leaseId: number;
}

/**
 * The pool stopped: the group grants nothing more, keeps its target as set,
 * and counts its leases out down as they are released.
 */
export interface GroupCloseEvent {
  readonly type: 'group.close';
}

/**
 * A Redis member saw the group's fleet-wide counts in a reply: the group
 * takes them as they are, in one step, whatever happened between.
 */
export interface CountsSetEvent {
  readonly type: 'counts.set';
  readonly target: number;
  readonly active: number;
}

/** Every event a group actor accepts; all come from its pool (or, for `counts.set`, its Redis member). */
export type GroupEvent = TargetSetEvent | LeaseGrantEvent | LeaseReleaseEvent | GroupCloseEvent | CountsSetEvent;
