import { type Actor, createActor, fromPromise } from 'xstate';
import { onAbort } from '../api/abort-listeners.js';
import { LeaseRevokedError, PoolStoppedError } from '../api/errors.js';
import { deliveredOnMicrotask } from '../api/inspect-guard.js';
import { leaseIterator } from '../api/lease-iterator.js';
import { LeaseLostError } from '../api/lease-lost-error.js';
import type { Counts } from '../api/pool.js';
import { assertFunction, assertOptions, assertTarget } from '../api/validate.js';
import type { MeterSource } from '../metrics/meter-source.js';
import { meterSourceKey } from '../metrics/meter-source-key.js';
import type { Subscription } from './client-adapter.js';
import { RedisPoolError } from './errors.js';
import { GrantConfirmations } from './grant-confirmations.js';
import { LeaseEventFanout } from './lease-event-fanout.js';
import { type BeatOutput, type MemberActorRef, memberMachine } from './member-machine.js';
import { memberMeterSource } from './member-meter-source.js';
import { poolKeys } from './redis-keys.js';
import { MemberLease } from './redis-lease.js';
import type {
  CreateRedisPoolOptions,
  RedisAcquireOptions,
  RedisLease,
  RedisPool,
  RedisTryAcquireOptions,
} from './redis-pool.js';
import { assertScriptCommands } from './script-commands-check.js';
import { type HeartbeatReply, type Notice, parseNotice, ScriptRunner, type SeenCounts } from './script-runner.js';
import { assertStringKey, readAcquireOptions, readRedisPoolOptions } from './validate-options.js';

/** A pending `acquire` of this member. */
interface Pending<K extends string> {
  id: number;
  /** Its first id, kept across rejoins: how its lease events name it. */
  readonly ticket: number;
  readonly key: K | undefined;
  /**
   * `sending`: its acquire script is on its way; `queued`: waiting in Redis;
   * `confirming`: granted, waiting for replicas to have the grant
   * (`confirmReplicas`); `parked`: to queue again after a rejoin.
   */
  state: 'sending' | 'queued' | 'confirming' | 'parked';
  /** Its lease while `confirming`: held by this member, not yet handed to the caller. */
  confirming: MemberLease<K> | undefined;
  /** The incarnation of this member it was last sent as: a reply to an older one is stale. */
  sentAs: string;
  /** Heartbeats sent before its `queued` reply came: a later heartbeat that does not list it shows it lost. */
  queuedAtBeat: number;
  /** A grant that came before the reply that queued the request. */
  early: { readonly lease: number; readonly key: string } | undefined;
  resolve(lease: RedisLease<K>): void;
  reject(error: unknown): void;
  unlisten(): void;
}

const noop = () => {};

/** Waits `ms` (used between retries of a release that could not reach Redis). */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The facade of one member: it validates calls, runs the pool's scripts,
 * and settles promises from their replies and from the notices pushed to
 * this member. Connection life, heartbeat and fleet-wide counts per key
 * live in the member actor.
 */
class RedisMemberPool<K extends string> implements RedisPool<K> {
  readonly member: string;
  readonly signal: AbortSignal;
  readonly done: Promise<void>;
  readonly actor: MemberActorRef;

  readonly #actor: Actor<typeof memberMachine>;
  readonly #runner: ScriptRunner;
  readonly #leaseTtl: number;
  /** Between retries of a call that could not reach Redis, ms. */
  readonly #retryDelay: number;
  /** With `confirmReplicas`: what holds each grant back until the replicas have it. */
  #confirmations: GrantConfirmations | undefined;
  readonly #confirm: { readonly replicas: number; readonly timeout: number };
  readonly #stopController = new AbortController();
  readonly #requests = new Map<number, Pending<K>>();
  readonly #leases = new Map<number, MemberLease<K>>();
  readonly #releasing = new Map<number, MemberLease<K>>();
  readonly #drainWaiters: Array<() => void> = [];
  readonly #joinWaiters: Array<() => void> = [];
  readonly #events = new LeaseEventFanout();
  readonly #leaseOwner = { release: (lease: MemberLease<string>) => this.#release(lease as MemberLease<K>) };
  #subscription: Subscription | undefined;
  #nextRequest = 1;
  /** Heartbeats sent so far. */
  #beats = 0;
  /** Joins so far (the first included). */
  #joins = 0;
  /** The incarnation Redis last accepted a join of: calls sent as it stand, until the next rejoin. */
  #joinedAs: string | undefined;
  /** Old incarnations still to leave: whatever Redis holds for them goes back at the next join. */
  readonly #retiring: string[] = [];
  /**
   * The highest lease id this member has seen since it last joined: Redis
   * reporting a lower last id lost writes (a failover to a lagging replica).
   */
  #highestLease = 0;
  #withdrawn: Promise<void> | undefined;
  #resolveWithdrawn: () => void = noop;
  #resolveDone: () => void = noop;
  #unlistenParent: () => void = noop;

  constructor(
    options: CreateRedisPoolOptions,
    runner: ScriptRunner,
    leaseTtl: number,
    confirm: { readonly replicas: number; readonly timeout: number },
  ) {
    this.member = runner.process;
    this.#runner = runner;
    this.#leaseTtl = leaseTtl;
    this.#retryDelay = Math.max(10, Math.min(1_000, Math.floor(leaseTtl / 10)));
    this.#confirm = confirm;
    runner.onNotice = (notice) => this.#onNotice(notice);
    this.signal = this.#stopController.signal;
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    const machine = memberMachine.provide({
      actors: {
        join: fromPromise(() => this.#join()),
        heartbeat: fromPromise(() => this.#heartbeat()),
        withdraw: fromPromise(() => this.#runner.leave(false)),
        leave: fromPromise(() => this.#leave()),
      },
    });
    this.#actor = createActor(machine, {
      input: { member: this.member, leaseTtl },
      ...(options.inspect ? { inspect: deliveredOnMicrotask(options.inspect) } : {}),
    });
    this.actor = this.#actor as unknown as MemberActorRef;
    this.#actor.on('leases.lost', () => this.#loseLeases());
    this.#actor.on('member.joined', () => {
      for (const resolve of this.#joinWaiters.splice(0)) resolve();
    });
    this.#actor.on('member.withdrawn', () => this.#resolveWithdrawn());
    this.#actor.on('member.stopped', () => void this.#closed());

    const parent = options.signal;
    if (parent) {
      const stop = () => void this.stop();
      parent.addEventListener('abort', stop, { once: true });
      this.#unlistenParent = () => parent.removeEventListener('abort', stop);
    }
  }

  /** Subscribes, then joins; rejects (leaving nothing open) if either fails. */
  async start(): Promise<void> {
    if (this.#confirm.replicas > 0) {
      const confirmer = await this.#runner.adapter.openConfirmer();
      const meta = this.#runner.keys.fixed[4] as string;
      this.#confirmations = new GrantConfirmations(confirmer, meta, this.#confirm.replicas, this.#confirm.timeout);
    }
    try {
      this.#subscription = await this.#runner.adapter.subscribe(this.#runner.keys.channel(this.member), (message) => {
        const notice = parseNotice(message);
        if (notice) this.#onNotice(notice);
      });
    } catch (error) {
      await this.#confirmations?.close();
      throw error;
    }
    const joined = new Promise<void>((resolve, reject) => {
      const sub = this.#actor.subscribe({
        next: (snapshot) => {
          if (snapshot.matches('live')) {
            sub.unsubscribe();
            resolve();
          } else if (snapshot.status === 'done') {
            sub.unsubscribe();
            reject(snapshot.context.joinError);
          }
        },
      });
    });
    this.#actor.start();
    try {
      await joined;
    } catch (error) {
      await this.#subscription.close();
      await this.#confirmations?.close();
      throw error;
    }
  }

  get stopped(): boolean {
    return this.#stopController.signal.aborted;
  }

  // ---- calls -------------------------------------------------------------

  async set(key: K, target: number): Promise<void> {
    assertStringKey(key);
    assertTarget(target);
    if (this.stopped) throw new PoolStoppedError('Cannot set the target of a stopped pool');
    for (;;) {
      const sentAs = this.#runner.member;
      const counts = await this.#runner.set(key, target);
      if (counts) {
        this.#observe(counts);
        return;
      }
      await this.#rejoined(sentAs);
      if (this.stopped) throw new PoolStoppedError('Cannot set the target of a stopped pool');
    }
  }

  async get(key: K): Promise<Counts> {
    assertStringKey(key);
    const counts = await this.#runner.get(key);
    this.#observe(counts);
    return { target: counts.target, active: counts.active };
  }

  async keys(): Promise<K[]> {
    const groups = await this.#runner.groups();
    for (const counts of groups) this.#observe(counts);
    return groups.map((counts) => counts.key as K);
  }

  acquire(options?: RedisAcquireOptions<K>): Promise<RedisLease<K>> {
    let read: RedisAcquireOptions<K>;
    try {
      read = readAcquireOptions<K>(options, 'acquire');
    } catch (error) {
      return Promise.reject(error);
    }
    const { signal } = read;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.stopped) return Promise.reject(new PoolStoppedError());
    return new Promise<RedisLease<K>>((resolve, reject) => {
      const id = this.#nextRequest++;
      const pending: Pending<K> = {
        id,
        ticket: id,
        key: read.key,
        state: 'sending',
        sentAs: this.#runner.member,
        queuedAtBeat: 0,
        confirming: undefined,
        early: undefined,
        resolve,
        reject,
        unlisten: noop,
      };
      if (signal) {
        const abandon = () => {
          if (this.#requests.get(pending.id) !== pending) return;
          this.#requests.delete(pending.id);
          // A request still on its way is withdrawn when its reply comes (see #send).
          if (pending.state === 'queued') this.#withdraw(pending.id);
          else if (pending.state === 'confirming') void pending.confirming?.release().catch(noop);
          reject(signal.reason);
          this.#events.withdrawn(pending.ticket);
        };
        pending.unlisten = onAbort(signal, abandon);
      }
      this.#requests.set(pending.id, pending);
      this.#events.requested(pending.ticket);
      this.#send(pending);
    });
  }

  async tryAcquire(options?: RedisTryAcquireOptions<K>): Promise<RedisLease<K> | undefined> {
    const raw: unknown = options;
    assertOptions(raw, 'tryAcquire', ['key']);
    const key = raw?.key;
    if (key !== undefined) assertStringKey(key);
    if (this.stopped) return undefined;
    for (;;) {
      const request = this.#nextRequest++;
      const sentAs = this.#runner.member;
      const reply = await this.#runner.try(request, key);
      // A grant to an incarnation that has been retired since is undone by its leave.
      if (reply.status === 'granted' && !this.#isRetired(sentAs)) {
        this.#observe(reply);
        const lease = this.#hold(reply.lease, reply.key as K);
        // A grant a failover lost before the replicas had it is no grant: try again.
        if (this.#confirmations && !(await this.#confirmed(lease))) continue;
        lease.delivered = true;
        this.#events.granted(request, lease.id, lease.key);
        return lease;
      }
      if (reply.status === 'none') return undefined;
      await this.#rejoined(sentAs);
      if (this.stopped) return undefined;
    }
  }

  leases(options?: RedisAcquireOptions<K>): AsyncIterableIterator<RedisLease<K>, undefined> {
    // Ends quietly on this member's stop only; another pool's PoolStoppedError is thrown.
    const isStop = (error: unknown) => error instanceof PoolStoppedError && this.stopped;
    return leaseIterator(
      (o) => this.acquire(o as RedisAcquireOptions<K>),
      readAcquireOptions<K>(options, 'leases'),
      isStop,
    );
  }

  async run<T>(fn: (lease: RedisLease<K>) => T | PromiseLike<T>, options?: RedisAcquireOptions<K>): Promise<T> {
    assertFunction(fn, 'fn');
    const lease = await this.acquire(options);
    try {
      return await fn(lease);
    } finally {
      await lease.release();
    }
  }

  stop(): Promise<void> {
    if (this.#withdrawn) return this.#withdrawn;
    this.#withdrawn = new Promise((resolve) => {
      this.#resolveWithdrawn = resolve;
    });
    this.#unlistenParent();
    const stopped = new PoolStoppedError();
    this.#stopController.abort(stopped);
    const dropped = [...this.#requests.values()];
    for (const pending of dropped) {
      this.#requests.delete(pending.id);
      pending.unlisten();
      pending.reject(new PoolStoppedError());
      void pending.confirming?.release().catch(noop);
    }
    this.#events.stopped(dropped.map((pending) => pending.ticket));
    for (const lease of this.#leases.values()) lease.windDown(stopped);
    this.#actor.send({ type: 'member.stop' });
    if (this.#actor.getSnapshot().status === 'done') this.#resolveWithdrawn();
    void this.#withdrawn.then(() => this.drained()).then(() => this.#actor.send({ type: 'member.leave' }));
    return this.#withdrawn;
  }

  drained(): Promise<void> {
    if (this.#leases.size === 0 && this.#releasing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  // ---- requests and grants -------------------------------------------------

  /** Sends `pending`'s acquire script and acts on its reply. */
  #send(pending: Pending<K>): void {
    pending.state = 'sending';
    pending.sentAs = this.#runner.member;
    const id = pending.id;
    this.#runner.acquire(id, pending.key).then(
      (reply) => {
        const live = this.#requests.get(id) === pending;
        if (this.#isRetired(pending.sentAs)) {
          // Sent as an incarnation retired since: whatever Redis did with it, that one's leave undoes.
          pending.early = undefined;
          if (live) this.#park(pending);
          return;
        }
        if (reply.status === 'granted') {
          this.#observe(reply);
          if (live) this.#resolve(pending, reply.lease, reply.key);
          else this.#giveBack(reply.lease);
          return;
        }
        if (reply.status === 'queued') {
          if (!live) {
            // Aborted while on its way: a grant that came first is given back now, not at the next heartbeat.
            if (pending.early) this.#giveBack(pending.early.lease);
            else this.#withdraw(id);
            return;
          }
          pending.state = 'queued';
          pending.queuedAtBeat = this.#beats;
          if (pending.early) this.#resolve(pending, pending.early.lease, pending.early.key);
          return;
        }
        // gone: Redis does not know this incarnation (reaped, lost its data, or its join has not run yet).
        if (!live) return;
        this.#park(pending);
        if (this.#joinedAs === pending.sentAs) this.#actor.send({ type: 'member.gone' });
      },
      (error: unknown) => {
        if (this.#requests.get(id) !== pending) return;
        this.#requests.delete(id);
        pending.unlisten();
        pending.reject(error);
        this.#events.withdrawn(pending.ticket);
      },
    );
  }

  /** `pending` must queue again as this incarnation: now if it has joined, else when its join is done. */
  #park(pending: Pending<K>): void {
    pending.state = 'parked';
    if (this.#joinedAs === this.#runner.member) this.#requeue(pending);
  }

  /** Sends `pending` again under a new request id, so no reply or grant to its old one can settle it. */
  #requeue(pending: Pending<K>): void {
    this.#requests.delete(pending.id);
    pending.id = this.#nextRequest++;
    pending.early = undefined;
    pending.confirming = undefined;
    this.#requests.set(pending.id, pending);
    this.#send(pending);
  }

  /**
   * Resolves `pending` with lease `leaseId` of `key`; with `confirmReplicas`,
   * only once the replicas have the grant (queued again if a failover lost it).
   */
  #resolve(pending: Pending<K>, leaseId: number, key: string): void {
    const lease = this.#hold(leaseId, key as K);
    if (!this.#confirmations) {
      this.#deliver(pending, lease);
      return;
    }
    pending.state = 'confirming';
    pending.confirming = lease;
    void this.#confirmed(lease).then((confirmed) => {
      // Withdrawn (its lease given back), stopped, or queued again meanwhile: settled there.
      if (this.#requests.get(pending.id) !== pending || pending.confirming !== lease) return;
      if (confirmed) this.#deliver(pending, lease);
      else this.#requeue(pending);
    });
  }

  #deliver(pending: Pending<K>, lease: MemberLease<K>): void {
    lease.delivered = true;
    this.#requests.delete(pending.id);
    pending.unlisten();
    pending.resolve(lease);
    this.#events.granted(pending.ticket, lease.id, lease.key);
  }

  /**
   * Resolves true once the replicas have `lease`'s grant; false if the lease
   * is lost first (a failover lost the grant) or this member let it go.
   */
  async #confirmed(lease: MemberLease<K>): Promise<boolean> {
    const confirmations = this.#confirmations as GrantConfirmations;
    while (this.#leases.get(lease.id) === lease) {
      const outcome = await confirmations.confirm();
      if (outcome === 'confirmed') return this.#leases.get(lease.id) === lease;
      if (outcome === 'failed') await pause(this.#retryDelay);
    }
    return false;
  }

  #hold(leaseId: number, key: K): MemberLease<K> {
    this.#highestLease = Math.max(this.#highestLease, leaseId);
    const lease = new MemberLease<K>(leaseId, key, this.#leaseOwner, this.#beats);
    this.#leases.set(leaseId, lease);
    if (this.stopped) lease.windDown(new PoolStoppedError());
    return lease;
  }

  /** Lease `leaseId` was granted to request `request` of this member. */
  #granted(request: number, leaseId: number, key: string): void {
    if (this.#leases.has(leaseId) || this.#releasing.has(leaseId)) return;
    const pending = this.#requests.get(request);
    // Granted to an incarnation retired since: that one's leave gives it back.
    if (pending && this.#isRetired(pending.sentAs)) return;
    if (!pending) {
      // Withdrawn or stopped while the grant was decided: give it back.
      this.#giveBack(leaseId);
      return;
    }
    if (pending.state === 'sending') pending.early = { lease: leaseId, key };
    else this.#resolve(pending, leaseId, key);
  }

  /** Releases a lease nobody here holds; a failure is mended by the next heartbeat. */
  #giveBack(leaseId: number): void {
    this.#runner.release(leaseId).then((counts) => counts && this.#observe(counts), noop);
  }

  /** Withdraws waiting request `id`; if it was granted meanwhile, the grant is given back when it comes. */
  #withdraw(id: number): void {
    this.#runner.cancel(id).then(noop, noop);
  }

  #onNotice(notice: Notice): void {
    switch (notice.type) {
      case 'grant':
        this.#highestLease = Math.max(this.#highestLease, notice.lease);
        this.#observe(notice);
        this.#granted(notice.request, notice.lease, notice.key);
        return;
      case 'revoke': {
        const lease = this.#leases.get(notice.lease);
        if (lease) this.#revoke(lease);
        return;
      }
      case 'reaped':
        // A late notice for an incarnation already replaced says nothing of this one.
        if (this.#isRetired(notice.member)) return;
        this.#loseLeases();
        this.#actor.send({ type: 'member.gone' });
        return;
    }
  }

  /** Asks `lease`'s holder to wind down because a lowered target revoked it (told once). */
  #revoke(lease: MemberLease<K>): void {
    if (lease.windDown(new LeaseRevokedError(lease.key))) this.#events.revoked(lease.id, lease.key);
  }

  #observe(counts: SeenCounts): void {
    this.#actor.send({ type: 'counts.seen', key: counts.key, target: counts.target, active: counts.active });
  }

  // ---- leases ---------------------------------------------------------------

  /**
   * Releases `lease` in Redis, retrying through failures that pass (Redis
   * unreachable, OOM, a failover, a slot migration) until it lands or the
   * lease is lost. A refusal for good rejects and leaves the lease held,
   * so that its holder can release it again.
   */
  async #release(lease: MemberLease<K>): Promise<void> {
    if (lease.lost || !this.#leases.has(lease.id)) return;
    this.#leases.delete(lease.id);
    this.#releasing.set(lease.id, lease);
    this.#events.released(lease.id);
    try {
      for (;;) {
        try {
          const counts = await this.#runner.release(lease.id);
          if (counts) this.#observe(counts);
          return;
        } catch (error) {
          if (!(error instanceof RedisPoolError && error.transient)) {
            if (!lease.lost) this.#leases.set(lease.id, lease);
            throw error;
          }
          if (lease.lost) return;
          await pause(this.#retryDelay);
          if (lease.lost) return;
        }
      }
    } finally {
      this.#releasing.delete(lease.id);
      this.#checkDrained();
    }
  }

  /** Every lease of this member is lost: reaped, or its local deadline passed. */
  #loseLeases(): void {
    for (const lease of [...this.#leases.values(), ...this.#releasing.values()]) this.#lose(lease);
    this.#releasing.clear();
    this.#checkDrained();
  }

  #lose(lease: MemberLease<K>): void {
    lease.lost = true;
    this.#leases.delete(lease.id);
    lease.windDown(new LeaseLostError(lease.id, lease.key));
    // One whose release was on its way was let go by its holder, one still confirming never had one: not lost.
    if (lease.delivered && !lease.released) this.#events.lost(lease.id, lease.key);
  }

  #checkDrained(): void {
    if (this.#leases.size > 0 || this.#releasing.size > 0) return;
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }

  // ---- membership -----------------------------------------------------------

  /**
   * Whether `incarnation` is one this member has left behind (a rejoin
   * started since): whatever Redis answered it, its leave undoes.
   */
  #isRetired(incarnation: string): boolean {
    return incarnation !== this.#runner.member;
  }

  /**
   * Resolves once this member has joined as an incarnation other than
   * `sentAs`, which Redis said it does not know: asks for a rejoin unless
   * one has started since.
   */
  #rejoined(sentAs: string): Promise<void> {
    if (this.#isRetired(sentAs) && this.#joinedAs === this.#runner.member) return Promise.resolve();
    const wait = new Promise<void>((resolve) => this.#joinWaiters.push(resolve));
    if (!this.#isRetired(sentAs)) this.#actor.send({ type: 'member.gone' });
    return wait;
  }

  /**
   * Joins; on a rejoin, first becomes a new incarnation (so that Redis
   * refuses what the old one still had on its way) and gives back whatever
   * Redis may still count for the old ones (their leases are lost), then
   * queues its pending acquires again, oldest first, under new request ids.
   */
  async #join(): Promise<BeatOutput> {
    const sentAt = Date.now();
    if (this.#joins > 0) {
      if (this.#joinedAs === this.#runner.member) {
        this.#retiring.push(this.#runner.member);
        this.#runner.member = `${this.#runner.process}/${this.#joins}`;
      }
      this.#loseLeases();
      for (const old of this.#retiring) await this.#runner.leave(true, old);
      this.#retiring.length = 0;
    }
    this.#highestLease = await this.#runner.join(this.#leaseTtl);
    this.#joins++;
    this.#joinedAs = this.#runner.member;
    for (const pending of [...this.#requests.values()]) {
      if (pending.state !== 'sending') this.#requeue(pending);
    }
    return { status: 'ok', sentAt };
  }

  /** Leaves for good, with the old incarnations a failed rejoin left behind (those are reaped otherwise). */
  async #leave(): Promise<void> {
    for (const old of this.#retiring.splice(0)) await this.#runner.leave(true, old).catch(noop);
    await this.#runner.leave(true);
  }

  async #heartbeat(): Promise<BeatOutput> {
    const sentAt = Date.now();
    const beat = ++this.#beats;
    const reply = await this.#runner.heartbeat(this.#leaseTtl);
    if (reply.status === 'gone') return { status: 'gone', sentAt };
    if (reply.lastLease < this.#highestLease) {
      // Redis lost writes it had acknowledged (a failover to a lagging replica): treated as lost data.
      this.#loseLeases();
      return { status: 'gone', sentAt };
    }
    this.#reconcile(reply, beat);
    this.#actor.send({ type: 'groups.prune', inUse: this.#keysInUse() });
    return { status: 'ok', sentAt };
  }

  /**
   * Mends what lost notices and lost writes left undone, both ways: grants
   * not delivered, revocations, leases Redis no longer lists (lost), and
   * waiters Redis no longer queues (queued again).
   */
  #reconcile(reply: Extract<HeartbeatReply, { status: 'ok' }>, beat: number): void {
    const listed = new Set<number>();
    const grantedTo = new Set<number>();
    for (const held of reply.leases) {
      listed.add(held.lease);
      grantedTo.add(held.request);
      const lease = this.#leases.get(held.lease);
      if (lease) {
        if (held.revoked) this.#revoke(lease);
      } else if (!this.#releasing.has(held.lease)) {
        this.#granted(held.request, held.lease, held.key);
      }
    }
    for (const lease of [...this.#leases.values()]) {
      if (lease.deliveredAtBeat < beat && !listed.has(lease.id)) this.#lose(lease);
    }
    const waiting = new Set(reply.waiting);
    for (const pending of [...this.#requests.values()]) {
      const lost =
        pending.state === 'queued' &&
        pending.queuedAtBeat < beat &&
        !waiting.has(pending.id) &&
        !grantedTo.has(pending.id);
      if (lost) this.#requeue(pending);
    }
    this.#checkDrained();
  }

  /** The keys this member holds a lease of or waits for. */
  #keysInUse(): Set<string> {
    const keys = new Set<string>();
    for (const lease of this.#leases.values()) keys.add(lease.key);
    for (const lease of this.#releasing.values()) keys.add(lease.key);
    for (const pending of this.#requests.values()) if (pending.key !== undefined) keys.add(pending.key);
    return keys;
  }

  /** This member for `instrumentPool` (xstate-workpool/metrics). */
  [meterSourceKey](): MeterSource {
    return memberMeterSource(this.actor, () => this.#pendingKeys(), this.#events);
  }

  *#pendingKeys(): Iterable<string | undefined> {
    for (const pending of this.#requests.values()) yield pending.key;
  }

  async #closed(): Promise<void> {
    await this.#subscription?.close();
    await this.#confirmations?.close();
    this.#resolveDone();
  }
}

/**
 * Opens this process's member of the Redis pool `name`:
 * subscribes to its notification channel on a connection of its own, joins,
 * and heartbeats every `leaseTtl / 3` until stopped. Every member with the
 * same `name` and `prefix` shares one pool: targets, FIFO, round-robin and
 * lease ids hold fleet-wide.
 *
 * Rejects with a `TypeError` or `RangeError` for bad options (naming the
 * option and value), and with a `RedisPoolError` (its `cause` the client's
 * error) when Redis cannot be reached or its user lacks a command the pool
 * needs (EVAL and EVALSHA included, whatever Redis has cached).
 */
export async function createRedisPool<K extends string = string>(
  options: CreateRedisPoolOptions,
): Promise<RedisPool<K>> {
  const { opts, prefix, leaseTtl, confirmReplicas, confirmTimeout } = readRedisPoolOptions(options);
  const member = globalThis.crypto.randomUUID();
  const runner = new ScriptRunner(opts.redis, poolKeys(prefix, opts.name), member);
  await assertScriptCommands(runner.adapter, runner.keys.fixed);
  const pool = new RedisMemberPool<K>(opts, runner, leaseTtl, { replicas: confirmReplicas, timeout: confirmTimeout });
  await pool.start();
  if (opts.signal?.aborted) await pool.stop();
  return pool;
}
