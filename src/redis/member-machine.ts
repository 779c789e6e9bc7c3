import {
  type ActorRefFrom,
  type AnyActorRef,
  cancel,
  createActor,
  enqueueActions,
  fromPromise,
  raise,
  setup,
} from 'xstate';
import { type GroupMachine, groupMachine } from '../machines/group/group-machine.js';
import { ChildIdNamer } from '../machines/pool/child-id.js';
import type { MemberLink } from './member-link.js';
import { MemberRequests } from './member-requests.js';
import type { PoolHeartbeat } from './pool-runner.js';
import { type RequestEvent, type RequestRef, type RequestSettle, requestMachine } from './request-machine.js';
import type { Notice, SeenCounts } from './script-runner.js';

/** A running group actor of a member: one key's fleet-wide counts as of the last reply. */
export type MemberGroupRef = ActorRefFrom<GroupMachine>;

/** The member's groups by key, and how their actors are named. */
export class MemberGroups {
  readonly byKey = new Map<string, MemberGroupRef>();
  readonly namer = new ChildIdNamer();
  /** Keys whose counts a reply showed since the last prune: used within the last heartbeat interval. */
  readonly fresh = new Set<string>();

  /**
   * Whether `key`'s child already shows these counts and a reply showed
   * them since the last prune: telling the member again would change nothing.
   */
  shows(counts: SeenCounts): boolean {
    if (!this.fresh.has(counts.key)) return false;
    const now = this.byKey.get(counts.key)?.getSnapshot().context;
    return now !== undefined && now.target === counts.target && now.active === counts.active;
  }

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
  /** One request child per `acquire` or `tryAcquire` of this member, until its lease ends or it is withdrawn. */
  readonly requests: MemberRequests;
  /** What its actors share: the script runner, its incarnations, lease events. */
  readonly link: MemberLink;
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
  /** A heartbeat's reply: what Redis holds for this member, to reconcile with what it holds. */
  readonly reply?: Extract<PoolHeartbeat, { status: 'ok' }>;
  /** The heartbeat's number (see {@link MemberLink.beats}). */
  readonly beat?: number;
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

/** A call of the facade: start a request actor for an `acquire` or a `tryAcquire`. */
export interface RequestStartEvent {
  /** The event's type. */
  readonly type: 'request.start';
  /** `acquire` waits in Redis' queue; `try` takes a lease only if one is free now. */
  readonly mode: 'acquire' | 'try';
  /** The key asked for; `undefined`: any key. */
  readonly key: string | undefined;
  /** The caller's signal (acquire only). */
  readonly signal: AbortSignal | undefined;
  /** How the caller's promise is settled. */
  readonly settle: RequestSettle;
}

/** A request child has ended (withdrawn, declined, failed, released or lost): it is stopped. */
export interface RequestEndedEvent {
  /** The event's type. */
  readonly type: 'request.ended';
  /** The child. */
  readonly ref: RequestRef;
}

/** A notice reached this member, in a reply or on its channel (one path for both). */
export interface NoticeEvent {
  /** The event's type. */
  readonly type: 'notice.received';
  /** What it says. */
  readonly notice: Notice;
}

/** Every event the member actor accepts. */
export type MemberEvent =
  | CountsSeenEvent
  | GroupsPruneEvent
  | MemberControlEvent
  | RequestStartEvent
  | RequestEndedEvent
  | NoticeEvent;

/** What the member actor emits to its facade. */
export type MemberEmitted =
  | { readonly type: 'leases.lost' }
  | { readonly type: 'request.requested'; readonly ticket: number; readonly key: string | undefined }
  | { readonly type: 'requests.stopped'; readonly tickets: readonly number[] }
  | { readonly type: 'member.joined' }
  | { readonly type: 'member.withdrawn' }
  | { readonly type: 'member.stopped' };

/**
 * Joins as the incarnation of now; on a rejoin, first becomes a new
 * incarnation (so that Redis refuses what the old one still had on its
 * way) and gives back whatever Redis may still count for the old ones.
 */
async function join(link: MemberLink): Promise<BeatOutput> {
  const sentAt = Date.now();
  if (link.joins > 0 && link.isJoined()) link.retire();
  for (const old of link.retiring) await link.runner.leave(true, old);
  link.retiring.length = 0;
  try {
    link.highestLeases = await link.runner.join(link.leaseTtl);
  } catch (error) {
    // A pool of several shards is joined by several calls, and some may have gone through: nothing may be
    // granted to an incarnation before its whole join. A failed first join fails createRedisPool, so it
    // leaves at once; a failed rejoin leaves that incarnation behind, for the next try's leave.
    if (link.runner.shards.length > 1) {
      if (link.joins === 0) await link.runner.leave(true).catch(() => {});
      else link.retire();
    }
    throw error;
  }
  link.joins++;
  link.joinedAs = link.runner.member;
  return { status: 'ok', sentAt };
}

/** Extends membership; `gone` when Redis no longer knows the member or lost writes it had acknowledged. */
async function heartbeat(link: MemberLink): Promise<BeatOutput> {
  const sentAt = Date.now();
  const beat = ++link.beats;
  const seen = [...link.highestLeases];
  const reply = await link.runner.heartbeat(link.leaseTtl);
  if (reply.status === 'gone') return { status: 'gone', sentAt };
  // A last lease id below one seen before the heartbeat was sent: a failover to a lagging replica, treated as
  // lost data. (Its shards answer at different times, and a lease seen meanwhile may be newer than a reply.)
  if (link.lostWrites(reply.lastLeases, seen)) return { status: 'gone', sentAt };
  return { status: 'ok', sentAt, reply, beat };
}

/** How an action of the member tells one of its request children something, after its own step. */
type TellRequest = (ref: RequestRef, event: RequestEvent) => void;

/** Takes lease `lease` of `key`, granted to request `request`, to that request; nobody's is given back. */
function routeGrant(context: MemberContext, tell: TellRequest, request: number, lease: number, key: string): void {
  const { link, requests } = context;
  if (requests.byLease.has(lease)) return;
  const ref = requests.byId.get(request);
  // Withdrawn or stopped while the grant was decided: give it back.
  if (ref) tell(ref, { type: 'grant.noticed', lease, key });
  else link.giveBack(lease);
}

/** Shows a key's fleet-wide counts on its group child, creating or retiring the child (`stopChild`: of the member). */
function showCounts(
  context: MemberContext,
  self: AnyActorRef,
  stopChild: (ref: MemberGroupRef) => void,
  counts: SeenCounts,
): void {
  const groups = context.groups;
  let ref = groups.byKey.get(counts.key);
  if (!ref) {
    if (counts.target === 0 && counts.active === 0) return;
    ref = createActor(groupMachine, {
      parent: self,
      id: groups.namer.idFor(counts.key),
      input: { key: counts.key, target: Math.max(1, counts.target, counts.active) },
    });
    groups.byKey.set(counts.key, ref);
    ref.start();
  }
  const now = ref.getSnapshot().context;
  if (now.target !== counts.target || now.active !== counts.active) {
    ref.send({ type: 'counts.set', target: counts.target, active: counts.active });
  }
  groups.fresh.add(counts.key);
  if (ref.getSnapshot().value === 'retired') {
    groups.byKey.delete(counts.key);
    stopChild(ref);
  }
}

/** What {@link loseEveryLease} enqueues with. */
interface LosingEnqueue {
  sendTo(ref: RequestRef, event: RequestEvent): void;
  assign(values: { mustRejoin: boolean }): void;
  emit(event: MemberEmitted): void;
}

/** Every request holding a lease hears it is lost, and the member rejoins at its next contact. */
function loseEveryLease(context: MemberContext, enqueue: LosingEnqueue): void {
  for (const ref of context.requests.byLease.values()) enqueue.sendTo(ref, { type: 'lease.lost' });
  enqueue.assign({ mustRejoin: true });
  enqueue.emit({ type: 'leases.lost' });
}

const memberSetup = setup({
  types: {
    context: {} as MemberContext,
    events: {} as MemberEvent,
    emitted: {} as MemberEmitted,
    input: {} as { member: string; leaseTtl: number; link: MemberLink },
  },
  actors: {
    join: fromPromise<BeatOutput, MemberLink>(({ input }) => join(input)),
    heartbeat: fromPromise<BeatOutput, MemberLink>(({ input }) => heartbeat(input)),
    withdraw: fromPromise<void, MemberLink>(({ input }) => input.runner.leave(false)),
    leave: fromPromise<void, MemberLink>(({ input }) => input.leave()),
  },
  delays: {
    beatInterval: ({ context }) => Math.max(1, Math.floor(context.leaseTtl / 3)),
    retryDelay: ({ context }) => Math.max(1, Math.min(1_000, Math.floor(context.leaseTtl / 10))),
  },
  guards: {
    isGone: ({ context, event }) =>
      context.mustRejoin || ('output' in event && (event.output as BeatOutput | undefined)?.status === 'gone'),
    hasJoined: ({ context }) => context.joined,
    /**
     * A reaped notice for the incarnation this member last joined as (a
     * late one, for an incarnation a rejoin replaced, says nothing; one for
     * an incarnation retired at its deadline still calls for the rejoin).
     */
    isOwnReapNotice: ({ context, event }) =>
      event.type === 'notice.received' &&
      event.notice.type === 'reaped' &&
      event.notice.member === context.link.joinedAs,
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
    /** Its leases are lost: each request holding one hears it, and the member rejoins at the next contact. */
    loseLeases: enqueueActions(({ context, enqueue }) => loseEveryLease(context, enqueue)),
    /**
     * Its local deadline passed without a heartbeat through: Redis may reap
     * it any moment (some shards may not, and keep granting to it), so it
     * sends as a new incarnation from now on and nothing granted to this one
     * is delivered; the rejoin's leave gives that back.
     */
    retireIncarnation: ({ context }) => {
      if (context.link.isJoined()) context.link.retire();
    },
    /** A rejoin loses what the old incarnation held; the first join has nothing to lose. */
    loseLeasesOnRejoin: enqueueActions(({ context, enqueue }) => {
      if (context.joined) loseEveryLease(context, enqueue);
    }),
    /** A join went through: requests waiting for it are sent again as the new incarnation. */
    announceJoin: enqueueActions(({ context, enqueue }) => {
      for (const ref of context.requests.byId.values()) enqueue.sendTo(ref, { type: 'member.joined' });
    }),
    // Created with createActor, not spawned: spawning copies the children object (quadratic in requests).
    startRequest: enqueueActions(({ context, event, self, enqueue }) => {
      if (event.type !== 'request.start') return;
      // Asked from inside a step of this member and aborted before this one: no abort is left to hear, so it
      // ends as the facade ends a request whose signal had aborted before the call.
      if (event.signal?.aborted) {
        event.settle.reject(event.signal.reason);
        return;
      }
      const { link, requests } = context;
      const ticket = link.nextRequest();
      const ref = createActor(requestMachine, {
        parent: self,
        id: `request:${ticket}`,
        input: { link, requests, ticket, key: event.key, mode: event.mode, signal: event.signal, settle: event.settle },
      }) as RequestRef;
      requests.all.add(ref);
      ref.on('*', (emitted) => link.hear(emitted));
      if (event.mode === 'acquire') enqueue.emit({ type: 'request.requested', ticket, key: event.key });
      ref.start();
    }),
    endRequest: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'request.ended') return;
      context.requests.all.delete(event.ref);
      enqueue.stopChild(event.ref);
    }),
    /** Takes a notice to the request or lease it names; a grant nobody here waits for is given back. */
    routeNotice: enqueueActions(({ context, event, self, enqueue }) => {
      if (event.type !== 'notice.received') return;
      const { notice } = event;
      const { link, requests } = context;
      if (notice.type === 'grant') {
        link.sawLease(notice.lease);
        // Its counts are shown in this step: a grant notice is one step of the member, not two.
        showCounts(context, self, enqueue.stopChild, notice);
        routeGrant(context, enqueue.sendTo, notice.request, notice.lease, notice.key);
      } else if (notice.type === 'revoke') {
        const ref = requests.byLease.get(notice.lease);
        if (ref) enqueue.sendTo(ref, { type: 'lease.revoke' });
      }
    }),
    /**
     * Mends what lost notices and lost writes left undone, both ways: grants
     * not delivered, revocations, leases Redis no longer lists (lost), and
     * waiters Redis no longer queues (queued again); then lets go of the
     * group children of keys no longer in use.
     */
    reconcile: enqueueActions(({ context, event, enqueue }) => {
      const output = (event as { output?: BeatOutput }).output;
      const reply = output?.reply;
      const beat = output?.beat;
      if (!reply || beat === undefined) return;
      const { link, requests } = context;
      const listed = new Set<number>();
      const grantedTo = new Set<number>();
      for (const held of reply.leases) {
        listed.add(held.lease);
        grantedTo.add(held.request);
        const ref = requests.byLease.get(held.lease);
        if (ref) {
          if (held.revoked) enqueue.sendTo(ref, { type: 'lease.revoke' });
        } else routeGrant(context, enqueue.sendTo, held.request, held.lease, held.key);
      }
      for (const [lease, ref] of requests.byLease) {
        if (!listed.has(lease)) enqueue.sendTo(ref, { type: 'lease.unlisted', beat });
      }
      const waiting = reply.waiting;
      for (const [id, ref] of requests.byId) {
        if (!waiting.has(id) && !grantedTo.has(id)) enqueue.sendTo(ref, { type: 'request.unlisted', beat });
      }
      // A waiter no request here answers to (its cancel lost with a failover) would take a grant only to give it back.
      for (const [id, shard] of waiting) if (!requests.byId.has(id)) link.cancel(id, shard);
      enqueue.raise({ type: 'groups.prune', inUse: requests.keysInUse() });
    }),
    /** Its stop withdraws every waiting request (reported as one stop) and winds its leases down. */
    stopRequests: enqueueActions(({ context, enqueue }) => {
      const { requests } = context;
      const dropped: number[] = [];
      for (const ref of requests.byId.values()) {
        const { mode, ticket } = ref.getSnapshot().context;
        if (mode === 'acquire') dropped.push(ticket);
      }
      enqueue.emit({ type: 'requests.stopped', tickets: dropped });
      for (const ref of requests.all) enqueue.sendTo(ref, { type: 'member.stop' });
    }),
    stopRequestActors: enqueueActions(({ context, enqueue }) => {
      for (const ref of context.requests.all) enqueue.stopChild(ref);
      context.requests.all.clear();
    }),
    recordJoinError: enqueueActions(({ event, enqueue }) => {
      enqueue.assign({ joinError: (event as { error?: unknown }).error });
    }),
    stopDeadline: cancel('deadline'),
    /** Shows a key's fleet-wide counts on its group child, creating or retiring the child. */
    observeCounts: enqueueActions(({ context, event, self, enqueue }) => {
      if (event.type === 'counts.seen') showCounts(context, self, enqueue.stopChild, event);
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
 * member sends it joining again; otherwise it records the beat, mends what
 * the reply shows, and goes to `ok`, or to `failed` when Redis could not be reached.
 */
function heartbeatState(to: { ok: string; failed: string }) {
  return {
    invoke: {
      src: 'heartbeat',
      input: ({ context }: { context: MemberContext }) => context.link,
      onDone: [
        { guard: 'isGone', target: '#member.joining' },
        { target: to.ok, actions: ['recordBeat', 'reconcile'] },
      ],
      onError: to.failed,
    },
  } as const;
}

const linkOf = ({ context }: { context: MemberContext }) => context.link;

/**
 * One member of a Redis pool: its connection life as
 * states — `joining`, `live`, `reconnecting`, `stopping`, `stopped` —, its
 * heartbeat as a delayed event every `leaseTtl / 3`, the local deadline of
 * its leases (last successful heartbeat's send time + `leaseTtl`), one
 * request child per pending `acquire` or `tryAcquire` and per lease it
 * holds (see `requestMachine`), and one group child per key it uses (holds
 * a lease of, waits for, or saw in a reply within the last heartbeat
 * interval) showing that key's fleet-wide counts as of the member's last
 * reply from Redis. Notices reach it as one event, whether they came in a
 * reply or on its channel; it takes each to the request or lease it names.
 */
export const memberMachine = memberSetup.createMachine({
  id: 'member',
  context: ({ input }) => ({
    member: input.member,
    leaseTtl: input.leaseTtl,
    link: input.link,
    groups: new MemberGroups(),
    requests: new MemberRequests(),
    beatSentAt: 0,
    mustRejoin: false,
    joined: false,
    joinError: undefined,
  }),
  on: {
    'counts.seen': { actions: 'observeCounts' },
    'groups.prune': { actions: 'pruneGroups' },
    'lease.deadline': { actions: ['loseLeases', 'retireIncarnation'] },
    'request.start': { actions: 'startRequest' },
    'request.ended': { actions: 'endRequest' },
    'notice.received': [{ guard: 'isOwnReapNotice', actions: 'loseLeases' }, { actions: 'routeNotice' }],
  },
  initial: 'joining',
  states: {
    joining: {
      entry: 'loseLeasesOnRejoin',
      invoke: {
        src: 'join',
        input: linkOf,
        onDone: { target: 'live', actions: ['recordBeat', 'markJoined', 'announceJoin'] },
        onError: [
          { guard: 'hasJoined', target: 'reconnecting' },
          { target: 'stopped', actions: 'recordJoinError' },
        ],
      },
      on: { 'member.stop': { target: 'stopping', actions: 'stopRequests' } },
    },
    live: {
      initial: 'idle',
      on: {
        'member.gone': 'joining',
        'member.stop': { target: 'stopping', actions: 'stopRequests' },
        'lease.deadline': { actions: ['loseLeases', 'retireIncarnation'] },
        'notice.received': [
          { guard: 'isOwnReapNotice', target: 'joining', actions: 'loseLeases' },
          { actions: 'routeNotice' },
        ],
      },
      states: {
        idle: { after: { beatInterval: 'beating' } },
        beating: heartbeatState({ ok: 'idle', failed: '#member.reconnecting' }),
      },
    },
    reconnecting: {
      initial: 'waiting',
      on: { 'member.stop': { target: 'stopping', actions: 'stopRequests' } },
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
            input: linkOf,
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
                input: linkOf,
                // Reaped while draining: its leases are gone, so nothing is left to wait for.
                onDone: [
                  { guard: 'isGone', target: 'idle', actions: 'loseLeases' },
                  { target: 'idle', actions: ['recordBeat', 'reconcile'] },
                ],
                onError: 'idle',
              },
            },
          },
        },
        leaving: {
          invoke: { src: 'leave', input: linkOf, onDone: '#member.stopped', onError: '#member.stopped' },
        },
      },
    },
    stopped: { type: 'final', entry: ['stopDeadline', 'stopGroups', 'stopRequestActors', 'emitStopped'] },
  },
});

/** The member machine's type. */
export type MemberMachine = typeof memberMachine;

/** A running member actor. */
export type MemberActorRef = ActorRefFrom<MemberMachine>;
