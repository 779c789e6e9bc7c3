import { assign, setup } from 'xstate';
import type { GroupContext, GroupEvent, GroupInput } from './group-types.js';
import { type GroupCounts, type Standing, standingOf } from './standing.js';

/** The counts a group would have after `event`. */
function countsAfter(context: GroupCounts, event: GroupEvent): GroupCounts {
  switch (event.type) {
    case 'target.set':
      return { target: event.target, active: context.active };
    case 'lease.grant':
      return { target: context.target, active: context.active + 1 };
    case 'lease.release':
      return { target: context.target, active: context.active - 1 };
    case 'group.close':
      return context;
    case 'counts.set':
      return { target: event.target, active: event.active };
  }
}

const groupSetup = setup({
  types: {
    context: {} as GroupContext,
    events: {} as GroupEvent,
    input: {} as GroupInput,
  },
  guards: {
    /** The event leaves the group standing as `params.standing`. */
    leavesStanding: ({ context, event }, params: { standing: Standing }) =>
      standingOf(countsAfter(context, event)) === params.standing,
    /** The group has no lease out after the event. */
    leavesNoneOut: ({ context, event }) => countsAfter(context, event).active === 0,
    /** The release is of a lease the group has out. */
    hasLeaseOut: ({ context }) => context.active > 0,
  },
  actions: {
    /** Takes the counts the event leads to. */
    applyCounts: assign(({ context, event }) => countsAfter(context, event)),
  },
});

const standings = ['granting', 'saturated', 'draining', 'retired'] as const;

/**
 * One transition per standing the event can lead to, from state `from`. An
 * event that leads to no valid standing (a release with nothing out)
 * matches none and is ignored. The one that stays in `from` comes first and
 * has no target: most events keep the standing (a grant or release below
 * the target), and a targetless transition skips XState's exit and entry
 * work, about half the cost of a change of state.
 */
function settleFrom(from: Standing) {
  const stay = {
    guard: { type: 'leavesStanding' as const, params: { standing: from } },
    actions: 'applyCounts' as const,
  };
  const moves = standings
    .filter((standing) => standing !== from)
    .map((standing) => ({
      guard: { type: 'leavesStanding' as const, params: { standing } },
      target: standing,
      actions: 'applyCounts' as const,
    }));
  return [stay, ...moves];
}

const fromGranting = settleFrom('granting');
const fromSaturated = settleFrom('saturated');
const fromDraining = settleFrom('draining');

/** Closing a group: at once if no lease is out, else once the last comes back. */
const close = [{ guard: 'leavesNoneOut' as const, target: 'closed' }, { target: 'closing' }];

/**
 * The actor of one key's group. Its context holds the key, target and active
 * count; its state says where active stands against target, so the inspector
 * shows each group's truth. It reaches `retired` when both counts are 0,
 * and its pool then stops it. When the pool stops, the group goes to
 * `closing` until its last lease out comes back, then `closed`, with its
 * target as last set. Only its pool sends it events.
 * Context {@link GroupContext}; accepts {@link GroupEvent}; input `{ key, target }`.
 */
export const groupMachine = groupSetup.createMachine({
  id: 'group',
  context: ({ input }) => ({ key: input.key, target: input.target, active: 0 }),
  initial: 'granting',
  states: {
    granting: {
      on: {
        'target.set': fromGranting,
        'lease.grant': fromGranting,
        'lease.release': fromGranting,
        'counts.set': fromGranting,
        'group.close': close,
      },
    },
    saturated: {
      on: {
        'target.set': fromSaturated,
        'lease.release': fromSaturated,
        'counts.set': fromSaturated,
        'group.close': close,
      },
    },
    draining: {
      on: {
        'target.set': fromDraining,
        'lease.release': fromDraining,
        'counts.set': fromDraining,
        'group.close': close,
      },
    },
    // The pool stopped with leases of this group out: the target stays as
    // set (as Go's Get keeps it), the count goes down with each release.
    closing: {
      on: {
        'lease.release': [
          { guard: 'leavesNoneOut', target: 'closed', actions: 'applyCounts' },
          { guard: 'hasLeaseOut', actions: 'applyCounts' },
        ],
      },
    },
    // The pool stopped and no lease of this group is out; its pool stops the actor.
    closed: {},
    // Not a final state: a final child relays a done event whose type names
    // the child, and XState memoises transition candidates per event type on
    // the parent's state node, so every retired key would leak a cache entry.
    // The pool stops the actor instead, right after it gets here.
    retired: {},
  },
});

/** The group machine's type, for code that holds its actors. */
export type GroupMachine = typeof groupMachine;
