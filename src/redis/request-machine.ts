import { type AnyActorRef, and, assign, enqueueActions, sendParent, setup } from 'xstate';
import { onAbort } from '../api/abort-listeners.js';
import { PoolStoppedError } from '../api/errors.js';
import { RedisPoolError } from './errors.js';
import type { ConfirmOutcome } from './grant-confirmations.js';
import type { MemberLink } from './member-link.js';
import type { MemberRequests } from './member-requests.js';
import { MemberLease } from './redis-lease.js';
import type { RedisLease } from './redis-pool.js';
import type { AcquireReply, TryReply } from './script-runner.js';

/** How a request's caller is answered: `acquire` and `tryAcquire` settle their promise through it. */
export interface RequestSettle {
  resolve(lease: RedisLease<string> | undefined): void;
  reject(error: unknown): void;
}

/** What a request actor starts with. */
export interface RequestInput {
  /** What it shares with its member. */
  readonly link: MemberLink;
  /** Its member's request table, which it enters and leaves. */
  readonly requests: MemberRequests;
  /** Its first request id: how lease events name it, whatever id it is sent again as. */
  readonly ticket: number;
  /** The key it asks for; `undefined`: any key. */
  readonly key: string | undefined;
  /** `acquire` waits in Redis' queue; `try` takes a lease only if one is free now. */
  readonly mode: 'acquire' | 'try';
  /** Its caller's signal: aborting it withdraws the request. */
  readonly signal: AbortSignal | undefined;
  readonly settle: RequestSettle;
}

/** A request actor's context. */
export interface RequestContext extends RequestInput {
  /** The request id it is sent as (Redis names its waiter and its grant by it): its ticket, then a new one per resend. */
  id: number;
  /** The member incarnation it is sent as. */
  sentAs: string;
  /** Heartbeats sent when Redis said it queued the request: only a later one shows it lost. */
  queuedAtBeat: number;
  /** A grant whose notice beat the reply that queued the request. */
  early: { readonly lease: number; readonly key: string } | undefined;
  /** The lease it holds, from its grant until it is released or lost. */
  lease: MemberLease<string> | undefined;
  /** Stops listening to its caller's signal. */
  unlisten: () => void;
}

/** What a request actor hears: replies to its own calls, and what its member learns from Redis. */
export type RequestEvent =
  | {
      readonly type: 'reply.granted';
      readonly lease: number;
      readonly key: string;
      readonly target: number;
      readonly active: number;
    }
  | { readonly type: 'reply.queued' | 'reply.none' | 'reply.gone' }
  | { readonly type: 'reply.failed'; readonly error: unknown }
  | { readonly type: 'grant.noticed'; readonly lease: number; readonly key: string }
  | { readonly type: 'request.abort' | 'member.stop' | 'member.joined' }
  | { readonly type: 'request.unlisted' | 'lease.unlisted'; readonly beat: number }
  | { readonly type: 'confirm.done'; readonly lease: number; readonly outcome: ConfirmOutcome }
  | { readonly type: 'lease.revoke' | 'lease.lost' | 'lease.release' | 'release.done' }
  | { readonly type: 'release.refused'; readonly error: unknown };

/**
 * What a request actor tells the world, after its step: its holder's
 * signal winds down on `lease.revoked`, `lease.lost` and `lease.stopped`;
 * instrumentations hear every one. Its member listens to each request.
 */
export type RequestEmitted =
  | { readonly type: 'request.granted'; readonly ticket: number; readonly lease: MemberLease<string> }
  | { readonly type: 'request.withdrawn'; readonly ticket: number; readonly reason: unknown }
  | {
      readonly type: 'lease.released' | 'lease.revoked' | 'lease.lost' | 'lease.stopped';
      readonly lease: MemberLease<string>;
    };

const noop = () => {};

/** Sends `event` to `ref` unless its member has stopped it meanwhile (a reply that comes after its request ended). */
function tell(context: RequestContext, ref: RequestRef, event: RequestEvent): void {
  if (context.requests.all.has(ref)) ref.send(event);
}

/** The counts a reply showed, for the member's group child of that key. */
function countsSeen(event: { key: string; target: number; active: number }) {
  return { type: 'counts.seen', key: event.key, target: event.target, active: event.active } as const;
}

function replyEvent(reply: AcquireReply | TryReply): RequestEvent {
  if (reply.status === 'granted') {
    return { type: 'reply.granted', lease: reply.lease, key: reply.key, target: reply.target, active: reply.active };
  }
  return { type: `reply.${reply.status}` };
}

/** Takes `lease` of `key` into the request's hands: on its member's lease table, not yet delivered. */
function hold(context: RequestContext, self: RequestRef, lease: number, key: string): MemberLease<string> {
  const { link, requests } = context;
  link.sawLease(lease);
  const held = new MemberLease<string>(lease, key, { release: () => self.send({ type: 'lease.release' }) }, link.beats);
  requests.byLease.set(lease, self);
  return held;
}

const requestSetup = setup({
  types: {
    context: {} as RequestContext,
    events: {} as RequestEvent,
    emitted: {} as RequestEmitted,
    input: {} as RequestInput,
  },
  delays: {
    retryDelay: ({ context }) => context.link.retryDelay,
  },
  guards: {
    /** It was sent as an incarnation retired since: whatever Redis did with it, that one's leave undoes. */
    sentAsRetired: ({ context }) => context.link.isRetired(context.sentAs),
    /** Its member has joined as a newer incarnation than the one it was sent as: it can be sent again. */
    rejoinedSince: ({ context }) => context.link.isRetired(context.sentAs) && context.link.isJoined(),
    hasEarlyGrant: ({ context }) => context.early !== undefined,
    confirmsGrants: ({ context }) => context.link.confirmations !== undefined,
    isAcquire: ({ context }) => context.mode === 'acquire',
    sentAsCurrent: ({ context }) => !context.link.isRetired(context.sentAs),
    isTryOfStoppedMember: ({ context }) => context.mode === 'try' && context.link.stopSignal.aborted,
    /** A heartbeat sent after Redis queued it does not list it: the queue lost it. */
    unlistedSinceQueued: ({ context, event }) => 'beat' in event && event.beat > context.queuedAtBeat,
    /** A heartbeat sent after the lease was granted does not list it: Redis lost it. */
    unlistedSinceHeld: ({ context, event }) =>
      'beat' in event && context.lease !== undefined && event.beat > context.lease.heldAtBeat,
    /** A round of confirmation of this request's own lease ended with `params.outcome`. */
    confirmEnded: ({ context, event }, params: { outcome: ConfirmOutcome }) =>
      event.type === 'confirm.done' && event.lease === context.lease?.id && event.outcome === params.outcome,
    isOtherLease: ({ context, event }) => event.type === 'grant.noticed' && event.lease !== context.lease?.id,
    refusalPasses: ({ event }) =>
      event.type === 'release.refused' && event.error instanceof RedisPoolError && event.error.transient,
  },
  actions: {
    unlisten: ({ context }) => context.unlisten(),
    /** Sends its acquire (or try) script under its request id, as its incarnation. */
    sendCall: ({ context, self }) => {
      const { link, requests, id } = context;
      requests.byId.set(id, self);
      const call = context.mode === 'try' ? link.runner.try(id, context.key) : link.runner.acquire(id, context.key);
      call.then(
        (reply) => tell(context, self, replyEvent(reply)),
        (error: unknown) => tell(context, self, { type: 'reply.failed', error }),
      );
    },
    /** Before it is sent again: a new request id no reply to an earlier send can confuse, as the incarnation of now. */
    renumber: assign(({ context, self }) => {
      context.requests.forgetId(context.id, self);
      return { id: context.link.nextRequest(), sentAs: context.link.runner.member, early: undefined };
    }),
    keepEarlyGrant: assign(({ event }) =>
      event.type === 'grant.noticed' ? { early: { lease: event.lease, key: event.key } } : {},
    ),
    noteQueued: assign(({ context }) => ({ queuedAtBeat: context.link.beats })),
    /** Redis does not know the incarnation it was sent as: unless a rejoin has started since, ask for one. */
    reportGone: enqueueActions(({ context, enqueue }) => {
      if (context.link.joinedAs === context.sentAs) enqueue(sendParent({ type: 'member.gone' }));
    }),
    holdReplyGrant: enqueueActions(({ context, event, self, enqueue }) => {
      if (event.type !== 'reply.granted') return;
      enqueue.assign({ lease: hold(context, self, event.lease, event.key) });
      enqueue.sendParent(countsSeen(event));
    }),
    holdEarlyGrant: assign(({ context, self }) => {
      const early = context.early;
      return early ? { lease: hold(context, self, early.lease, early.key), early: undefined } : {};
    }),
    holdNoticedGrant: assign(({ context, event, self }) =>
      event.type === 'grant.noticed' ? { lease: hold(context, self, event.lease, event.key) } : {},
    ),
    /** Hands the lease to its caller. */
    deliver: enqueueActions(({ context, self, enqueue }) => {
      const lease = context.lease as MemberLease<string>;
      lease.delivered = true;
      context.requests.forgetId(context.id, self);
      context.unlisten();
      // Nobody has read its signal yet: no listener runs here.
      if (context.link.stopSignal.aborted) lease.windDown(new PoolStoppedError());
      context.settle.resolve(lease);
      enqueue.emit({ type: 'request.granted', ticket: context.ticket, lease });
    }),
    rejectAborted: enqueueActions(({ context, self, enqueue }) => {
      context.requests.forgetId(context.id, self);
      const reason: unknown = context.signal?.reason;
      context.settle.reject(reason);
      enqueue.emit({ type: 'request.withdrawn', ticket: context.ticket, reason });
    }),
    /** The member stopped: an acquire rejects (its stop reported the withdrawal), a try finds nothing. */
    rejectStopped: ({ context, self }) => {
      context.requests.forgetId(context.id, self);
      context.unlisten();
      if (context.mode === 'try') context.settle.resolve(undefined);
      else context.settle.reject(new PoolStoppedError());
    },
    rejectFailed: enqueueActions(({ context, event, enqueue }) => {
      const error = event.type === 'reply.failed' ? event.error : undefined;
      context.settle.reject(error);
      if (context.mode === 'acquire')
        enqueue.emit({ type: 'request.withdrawn', ticket: context.ticket, reason: error });
    }),
    resolveNothing: ({ context }) => context.settle.resolve(undefined),
    giveBackEarlyGrant: assign(({ context }) => {
      if (context.early) context.link.giveBack(context.early.lease);
      return { early: undefined };
    }),
    giveBackReplyGrant: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'reply.granted') return;
      enqueue.sendParent(countsSeen(event));
      enqueue(() => context.link.giveBack(event.lease));
    }),
    giveBackNoticedGrant: ({ context, event }) => {
      if (event.type === 'grant.noticed') context.link.giveBack(event.lease);
    },
    /** Gives back a lease its caller never had (withdrawn while the replicas were asked). */
    giveBackUndelivered: assign(({ context, self }) => {
      const lease = context.lease;
      if (!lease) return {};
      context.requests.forgetLease(lease.id, self);
      context.link.giveBack(lease.id);
      return { lease: undefined };
    }),
    /** A grant lost before the replicas had it is no grant: the request must be sent again. */
    dropUndelivered: assign(({ context, self }) => {
      const lease = context.lease;
      if (!lease) return {};
      lease.lost = true;
      context.requests.forgetLease(lease.id, self);
      return { lease: undefined };
    }),
    cancelInRedis: ({ context }) => context.link.cancel(context.id, context.link.runner.shardOfKey(context.key)),
    startConfirm: ({ context, self }) => {
      const lease = (context.lease as MemberLease<string>).id;
      void context.link.confirmations
        ?.confirm(lease)
        .then((outcome) => tell(context, self, { type: 'confirm.done', lease, outcome }));
    },
    revoke: enqueueActions(({ context, enqueue }) => {
      if (context.lease) enqueue.emit({ type: 'lease.revoked', lease: context.lease });
    }),
    windDownStopped: enqueueActions(({ context, enqueue }) => {
      if (context.lease) enqueue.emit({ type: 'lease.stopped', lease: context.lease });
    }),
    loseLease: enqueueActions(({ context, enqueue }) => {
      const lease = context.lease as MemberLease<string>;
      lease.lost = true;
      enqueue.emit({ type: 'lease.lost', lease });
    }),
    noteRelease: enqueueActions(({ context, enqueue }) => {
      enqueue.emit({ type: 'lease.released', lease: context.lease as MemberLease<string> });
    }),
    sendRelease: ({ context, self }) => {
      const { link } = context;
      link.runner.release((context.lease as MemberLease<string>).id).then(
        (counts) => {
          if (counts) link.observe(counts);
          tell(context, self, { type: 'release.done' });
        },
        (error: unknown) => tell(context, self, { type: 'release.refused', error }),
      );
    },
    /** Lost while its release was on its way: its holder let it go, so it is not counted as lost. */
    markLostInRelease: ({ context }) => {
      if (context.lease) context.lease.lost = true;
    },
    settleRelease: ({ context }) => context.lease?.settleRelease(),
    refuseRelease: ({ context, event }) => {
      if (event.type === 'release.refused') context.lease?.refuseRelease(event.error);
    },
    /** Leaves its member's tables and asks to be stopped. */
    end: enqueueActions(({ context, self, enqueue }) => {
      context.requests.forgetId(context.id, self);
      if (context.lease) context.requests.forgetLease(context.lease.id, self);
      context.unlisten();
      enqueue(sendParent({ type: 'request.ended', ref: self }));
    }),
  },
});

/** Sent again, under a new request id. */
const sendAgain = { target: '#request.sending', actions: 'renumber' } as const;
const abortWhileWaiting = { target: 'withdrawn', actions: 'rejectAborted' } as const;
const stopWhileWaiting = { target: 'withdrawn', actions: 'rejectStopped' } as const;

/** A grant taken into hands: delivered at once, or held back until the replicas have it. */
function grantedBy(hold: 'holdReplyGrant' | 'holdNoticedGrant') {
  return [
    { guard: 'confirmsGrants', target: '#request.granted.confirming', actions: hold },
    { target: '#request.granted.held', actions: [hold, 'deliver'] },
  ] as const;
}

const ended = { entry: 'end' } as const;

/** What a granted request does until the replicas have its grant (asking them, or pausing between asks). */
const untilConfirmed = {
  'lease.lost': { target: '#request.parked', actions: 'dropUndelivered' },
  // A heartbeat of the live member shows the grant lost before the replicas had it: ask again now.
  'lease.unlisted': {
    guard: 'unlistedSinceHeld',
    target: '#request.sending',
    actions: ['dropUndelivered', 'renumber'],
  },
  'request.abort': { target: '#request.withdrawn', actions: ['rejectAborted', 'giveBackUndelivered'] },
  // A try whose member stops while the replicas are asked keeps its lease, wound down at delivery.
  'member.stop': {
    guard: 'isAcquire',
    target: '#request.withdrawn',
    actions: ['rejectStopped', 'giveBackUndelivered'],
  },
} as const;

/** Lost while its release was on its way (or waited to be sent again): the release resolves. */
const lostInRelease = { target: '#request.released', actions: ['markLostInRelease', 'settleRelease'] } as const;

/**
 * One `acquire` (or `tryAcquire`) of a Redis member, from its first send to
 * the end of the lease it got: its states are what it waits for and what it
 * holds, so the inspector shows both, and each race Redis can put it in (a
 * grant notice before the reply that queued it, an abort while its call is
 * on its way, a rejoin while it waits, a failover that lost its waiter or
 * its grant) is a transition:
 * - `sending`: its script is on its way; `queued`: it waits in Redis;
 *   `parked`: it waits for its member to rejoin, then is sent again;
 *   `withdrawing`: aborted while its call was on its way, it undoes what
 *   the reply says was done;
 * - `granted.confirming` (with `confirmReplicas`), `granted.held`,
 *   `granted.releasing`, `granted.pausing` (a release to retry);
 * - ended: `withdrawn`, `declined` (a try found nothing), `failed`,
 *   `released`, `lost`. Its member stops it there.
 */
export const requestMachine = requestSetup.createMachine({
  id: 'request',
  // Listed field by field (a spread of the input costs more), and first sent under its ticket.
  context: ({ input, self }) => ({
    link: input.link,
    requests: input.requests,
    ticket: input.ticket,
    key: input.key,
    mode: input.mode,
    signal: input.signal,
    settle: input.settle,
    id: input.ticket,
    sentAs: input.link.runner.member,
    queuedAtBeat: 0,
    early: undefined,
    lease: undefined,
    // Listens from its creation, so that no entry assign is needed; an abort is an event like any other.
    unlisten: input.signal ? onAbort(input.signal, () => self.send({ type: 'request.abort' })) : noop,
  }),
  initial: 'sending',
  states: {
    sending: {
      entry: 'sendCall',
      on: {
        'reply.granted': [{ guard: 'sentAsRetired', target: 'parked' }, ...grantedBy('holdReplyGrant')],
        'reply.queued': [
          { guard: 'sentAsRetired', target: 'parked' },
          {
            guard: and(['hasEarlyGrant', 'confirmsGrants']),
            target: '#request.granted.confirming',
            actions: ['noteQueued', 'holdEarlyGrant'],
          },
          {
            guard: 'hasEarlyGrant',
            target: '#request.granted.held',
            actions: ['noteQueued', 'holdEarlyGrant', 'deliver'],
          },
          { target: 'queued', actions: 'noteQueued' },
        ],
        'reply.none': [
          { guard: 'sentAsRetired', target: 'parked' },
          { target: 'declined', actions: 'resolveNothing' },
        ],
        'reply.gone': { target: 'parked', actions: 'reportGone' },
        'reply.failed': { target: 'failed', actions: 'rejectFailed' },
        'grant.noticed': { guard: 'sentAsCurrent', actions: 'keepEarlyGrant' },
        'request.abort': { target: 'withdrawing', actions: ['rejectAborted', 'giveBackEarlyGrant'] },
        'member.stop': { guard: 'isAcquire', target: 'withdrawing', actions: ['rejectStopped', 'giveBackEarlyGrant'] },
      },
    },
    queued: {
      on: {
        // Granted to an incarnation retired since: that one's leave gives it back, and a join sends this again.
        'grant.noticed': [{ guard: 'sentAsRetired' }, ...grantedBy('holdNoticedGrant')],
        'request.abort': { target: 'withdrawn', actions: ['rejectAborted', 'cancelInRedis'] },
        'member.stop': stopWhileWaiting,
        'request.unlisted': { guard: 'unlistedSinceQueued', ...sendAgain },
        'member.joined': sendAgain,
      },
    },
    parked: {
      always: [
        { guard: 'isTryOfStoppedMember', target: 'declined', actions: 'resolveNothing' },
        { guard: 'rejoinedSince', ...sendAgain },
      ],
      on: {
        'member.joined': sendAgain,
        'request.abort': abortWhileWaiting,
        'member.stop': stopWhileWaiting,
      },
    },
    withdrawing: {
      on: {
        'reply.granted': [
          { guard: 'sentAsRetired', target: 'withdrawn' },
          { target: 'withdrawn', actions: 'giveBackReplyGrant' },
        ],
        'reply.queued': [
          { guard: 'sentAsRetired', target: 'withdrawn' },
          { target: 'withdrawn', actions: 'cancelInRedis' },
        ],
        'reply.none': 'withdrawn',
        'reply.gone': 'withdrawn',
        'reply.failed': 'withdrawn',
      },
    },
    granted: {
      initial: 'held',
      on: {
        'grant.noticed': { guard: and(['isOtherLease', 'sentAsCurrent']), actions: 'giveBackNoticedGrant' },
        'lease.revoke': { actions: 'revoke' },
      },
      states: {
        confirming: {
          entry: 'startConfirm',
          on: {
            'confirm.done': [
              { guard: { type: 'confirmEnded', params: { outcome: 'confirmed' } }, target: 'held', actions: 'deliver' },
              { guard: { type: 'confirmEnded', params: { outcome: 'failed' } }, target: 'unconfirmed' },
              {
                guard: { type: 'confirmEnded', params: { outcome: 'unconfirmed' } },
                target: 'confirming',
                reenter: true,
              },
            ],
            ...untilConfirmed,
          },
        },
        // Redis could not be asked whether the replicas have the grant: ask again after a pause.
        unconfirmed: {
          after: { retryDelay: 'confirming' },
          on: {
            ...untilConfirmed,
          },
        },
        held: {
          on: {
            'lease.release': { target: 'releasing', actions: 'noteRelease' },
            'member.stop': { actions: 'windDownStopped' },
            'lease.lost': { target: '#request.lost', actions: 'loseLease' },
            'lease.unlisted': { guard: 'unlistedSinceHeld', target: '#request.lost', actions: 'loseLease' },
          },
        },
        releasing: {
          entry: 'sendRelease',
          on: {
            'release.done': { target: '#request.released', actions: 'settleRelease' },
            'release.refused': [
              { guard: 'refusalPasses', target: 'pausing' },
              { target: 'held', actions: 'refuseRelease' },
            ],
            'lease.lost': lostInRelease,
          },
        },
        // A release Redis could not take for a passing reason: sent again after a pause.
        pausing: {
          after: { retryDelay: 'releasing' },
          on: { 'lease.lost': lostInRelease },
        },
      },
    },
    withdrawn: ended,
    declined: ended,
    failed: ended,
    released: ended,
    lost: ended,
  },
});

/** A running request actor, as its member, its lease and its peers see it. */
export interface RequestRef extends AnyActorRef {
  send(event: RequestEvent): void;
  getSnapshot(): { readonly context: RequestContext };
}
