import { type ActorRefFrom, cancel, createActor, enqueueActions, fromPromise, raise, setup } from 'xstate';
import { type GroupMachine, groupMachine } from '../machines/group/group-machine.js';
import type { GroupEvent } from '../machines/group/group-types.js';
import { ChildIdNamer } from '../machines/pool/child-id.js';

/** A running group actor of a member: one key's fleet-wide counts as of the last reply. */
export type MemberGroupRef = ActorRefFrom<GroupMachine>;

/** The member's groups by key, and how their actors are named. */
export class MemberGroups {
  readonly byKey = new Map<string, MemberGroupRef>();
  readonly namer = new ChildIdNamer();
  /** Keys whose counts a reply showed since the last prune: used within the last heartbeat interval. */
  readonly fresh = new Set<string>();

  toJSON(): { count: number; groups: string[] } {
    return { count: this.byKey.size, groups: [...this.byKey.values()].slice(0, 50).map((ref) => ref.id) };
  }
}

/** The member actor's context. */
export interface MemberContext {
  /** This member's id in the pool. */
  readonly member: string;
  /** How long its membership outlives its last heartbeat, ms. */
  readonly leaseTtl: number;
  /** One group child per key it uses, or used within the last heartbeat interval. */
  readonly groups: MemberGroups;
  /** When the last heartbeat (or join) that succeeded was sent (local clock, ms). */
  beatSentAt: number;
  /** Its leases were lost (deadline passed, or reaped): the next contact must rejoin. */
  mustRejoin: boolean;
  /** Whether it has joined once; until then a failed join ends it. */
  joined: boolean;
  /** Why joining failed the first time, if it did. */
  joinError: unknown;
}

/** What a heartbeat or join ends with. */
export interface BeatOutput {
  /** `gone`: Redis no longer knows this member (reaped, or lost its data): rejoin. */
  readonly status: 'ok' | 'gone';
  /** When it was sent (local clock, ms). */
  readonly sentAt: number;
}

/** A reply from Redis showed `key`'s fleet-wide counts. */
export interface CountsSeenEvent {
  /** The event's type. */
  readonly type: 'counts.seen';
  /** The key whose counts were seen. */
  readonly key: string;
  /** Its target, fleet-wide. */
  readonly target: number;
  /** Its leases out, fleet-wide. */
  readonly active: number;
}

/**
 * A heartbeat went through: the group children of keys the member neither
 * holds nor waits for (`inUse`), nor saw in a reply since the last one, go.
 */
export interface GroupsPruneEvent {
  /** The event's type. */
  readonly type: 'groups.prune';
  /** The keys of this member's leases and keyed waiters. */
  readonly inUse: ReadonlySet<string>;
}

/** A control event of the member: Redis forgot it (`member.gone`), stop, leave, or its local lease deadline passed. */
export interface MemberControlEvent {
  /** The event's type. */
  readonly type: 'member.gone' | 'member.stop' | 'member.leave' | 'lease.deadline';
}

/** Every event the member actor accepts. */
export type MemberEvent = CountsSeenEvent | GroupsPruneEvent | MemberControlEvent;

/** What the member actor emits to its facade. */
export type MemberEmitted =
  | { readonly type: 'leases.lost' }
  | { readonly type: 'member.joined' }
  | { readonly type: 'member.withdrawn' }
  | { readonly type: 'member.stopped' };

/** Sends a group actor the events that take it from its counts to `target`/`active`. */
function steer(ref: MemberGroupRef, target: number, active: number): void {
  const now = ref.getSnapshot().context;
  const send = (event: GroupEvent) => ref.send(event);
  if (active > now.active) {
    // Grants are taken only below the target: lift it first.
    const lift = Math.max(target, active);
    if (lift !== now.target) send({ type: 'target.set', target: lift });
    for (let n = now.active; n < active; n++) send({ type: 'lease.grant', leaseId: 0 });
    if (target !== lift) send({ type: 'target.set', target });
    return;
  }
  if (target !== now.target) send({ type: 'target.set', target });
  for (let n = now.active; n > active; n--) send({ type: 'lease.release', leaseId: 0 });
}

const memberSetup = setup({
  types: {
    context: {} as MemberContext,
    events: {} as MemberEvent,
    emitted: {} as MemberEmitted,
    input: {} as { member: string; leaseTtl: number },
  },
  actors: {
    join: fromPromise<BeatOutput>(async () => ({ status: 'ok', sentAt: Date.now() })),
    heartbeat: fromPromise<BeatOutput>(async () => ({ status: 'ok', sentAt: Date.now() })),
    withdraw: fromPromise<void>(async () => {}),
    leave: fromPromise<void>(async () => {}),
  },
  delays: {
    beatInterval: ({ context }) => Math.max(1, Math.floor(context.leaseTtl / 3)),
    retryDelay: ({ context }) => Math.max(1, Math.min(1_000, Math.floor(context.leaseTtl / 10))),
  },
  guards: {
    isGone: ({ context, event }) =>
      context.mustRejoin || ('output' in event && (event.output as BeatOutput | undefined)?.status === 'gone'),
    hasJoined: ({ context }) => context.joined,
  },
  actions: {
    /** Records a successful contact and moves the local lease deadline to its send time + leaseTtl. */
    recordBeat: enqueueActions(({ context, event, enqueue }) => {
      const output = (event as { output?: BeatOutput }).output;
      if (!output) return;
      enqueue.assign({ beatSentAt: output.sentAt });
      enqueue(cancel('deadline'));
      enqueue(
        raise(
          { type: 'lease.deadline' },
          { id: 'deadline', delay: Math.max(0, output.sentAt + context.leaseTtl - Date.now()) },
        ),
      );
    }),
    markJoined: enqueueActions(({ enqueue }) => {
      enqueue.assign({ joined: true, mustRejoin: false });
      enqueue.emit({ type: 'member.joined' });
    }),
    /** Its leases are lost: tell the facade, and rejoin at the next contact. */
    loseLeases: enqueueActions(({ enqueue }) => {
      enqueue.assign({ mustRejoin: true });
      enqueue.emit({ type: 'leases.lost' });
    }),
    recordJoinError: enqueueActions(({ event, enqueue }) => {
      enqueue.assign({ joinError: (event as { error?: unknown }).error });
    }),
    stopDeadline: cancel('deadline'),
    /** Shows a key's fleet-wide counts on its group child, creating or retiring the child. */
    observeCounts: enqueueActions(({ context, event, self, enqueue }) => {
      if (event.type !== 'counts.seen') return;
      const groups = context.groups;
      let ref = groups.byKey.get(event.key);
      if (!ref) {
        if (event.target === 0 && event.active === 0) return;
        ref = createActor(groupMachine, {
          parent: self,
          id: groups.namer.idFor(event.key),
          input: { key: event.key, target: Math.max(1, event.target, event.active) },
        });
        groups.byKey.set(event.key, ref);
        ref.start();
      }
      steer(ref, event.target, event.active);
      groups.fresh.add(event.key);
      if (ref.getSnapshot().value === 'retired') {
        groups.byKey.delete(event.key);
        enqueue.stopChild(ref);
      }
    }),
    /** Lets go of the children of keys this member stopped using, so its memory follows its activity. */
    pruneGroups: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'groups.prune') return;
      const groups = context.groups;
      for (const [key, ref] of groups.byKey) {
        if (groups.fresh.has(key) || event.inUse.has(key)) continue;
        groups.byKey.delete(key);
        enqueue.stopChild(ref);
      }
      groups.fresh.clear();
    }),
    stopGroups: enqueueActions(({ context, enqueue }) => {
      for (const ref of context.groups.byKey.values()) enqueue.stopChild(ref);
      context.groups.byKey.clear();
    }),
    emitWithdrawn: enqueueActions(({ enqueue }) => enqueue.emit({ type: 'member.withdrawn' })),
    emitStopped: enqueueActions(({ enqueue }) => enqueue.emit({ type: 'member.stopped' })),
  },
});

/**
 * A heartbeat in flight while the member is up: Redis no longer knowing the
 * member sends it joining again; otherwise it records the beat and goes to
 * `ok`, or to `failed` when Redis could not be reached.
 */
function heartbeatState(to: { ok: string; failed: string }) {
  return {
    invoke: {
      src: 'heartbeat',
      onDone: [
        { guard: 'isGone', target: '#member.joining' },
        { target: to.ok, actions: 'recordBeat' },
      ],
      onError: to.failed,
    },
  } as const;
}

/**
 * One member of a Redis pool: its connection life as
 * states — `joining`, `live`, `reconnecting`, `stopping`, `stopped` —, its
 * heartbeat as a delayed event every `leaseTtl / 3`, the local deadline of
 * its leases (last successful heartbeat's send time + `leaseTtl`), and
 * one group child per key it uses (holds a lease of, waits for, or saw in
 * a reply within the last heartbeat interval) showing that key's fleet-wide
 * counts as of the member's last reply from Redis. The Redis work itself is the `join`,
 * `heartbeat`, `withdraw` and `leave` actors its pool provides.
 */
export const memberMachine = memberSetup.createMachine({
  id: 'member',
  context: ({ input }) => ({
    member: input.member,
    leaseTtl: input.leaseTtl,
    groups: new MemberGroups(),
    beatSentAt: 0,
    mustRejoin: false,
    joined: false,
    joinError: undefined,
  }),
  on: {
    'counts.seen': { actions: 'observeCounts' },
    'groups.prune': { actions: 'pruneGroups' },
    'lease.deadline': { actions: 'loseLeases' },
  },
  initial: 'joining',
  states: {
    joining: {
      invoke: {
        src: 'join',
        onDone: { target: 'live', actions: ['recordBeat', 'markJoined'] },
        onError: [
          { guard: 'hasJoined', target: 'reconnecting' },
          { target: 'stopped', actions: 'recordJoinError' },
        ],
      },
      on: { 'member.stop': 'stopping' },
    },
    live: {
      initial: 'idle',
      on: { 'member.gone': 'joining', 'member.stop': 'stopping', 'lease.deadline': { actions: 'loseLeases' } },
      states: {
        idle: { after: { beatInterval: 'beating' } },
        beating: heartbeatState({ ok: 'idle', failed: '#member.reconnecting' }),
      },
    },
    reconnecting: {
      initial: 'waiting',
      on: { 'member.stop': 'stopping' },
      states: {
        waiting: { after: { retryDelay: 'beating' } },
        beating: heartbeatState({ ok: '#member.live', failed: 'waiting' }),
      },
    },
    stopping: {
      initial: 'withdrawing',
      states: {
        withdrawing: {
          invoke: {
            src: 'withdraw',
            onDone: { target: 'draining', actions: 'emitWithdrawn' },
            onError: { target: 'draining', actions: 'emitWithdrawn' },
          },
        },
        // Leases still out keep counting until released, so the member stays alive meanwhile.
        draining: {
          initial: 'idle',
          on: { 'member.leave': 'leaving' },
          states: {
            idle: { after: { beatInterval: 'beating' } },
            beating: {
              invoke: {
                src: 'heartbeat',
                // Reaped while draining: its leases are gone, so nothing is left to wait for.
                onDone: [
                  { guard: 'isGone', target: 'idle', actions: 'loseLeases' },
                  { target: 'idle', actions: 'recordBeat' },
                ],
                onError: 'idle',
              },
            },
          },
        },
        leaving: {
          invoke: { src: 'leave', onDone: '#member.stopped', onError: '#member.stopped' },
        },
      },
    },
    stopped: { type: 'final', entry: ['stopDeadline', 'stopGroups', 'emitStopped'] },
  },
});

/** The member machine's type. */
export type MemberMachine = typeof memberMachine;

/** A running member actor. */
export type MemberActorRef = ActorRefFrom<MemberMachine>;
