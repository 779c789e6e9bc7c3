import { LeaseRevokedError, PoolStoppedError } from '../api/errors.js';
import { LeaseLostError } from '../api/lease-lost-error.js';
import type { GrantConfirmations } from './grant-confirmations.js';
import { LeaseEventFanout } from './lease-event-fanout.js';
import type { PoolRunner } from './pool-runner.js';
import type { RequestEmitted } from './request-machine.js';
import type { SeenCounts } from './script-runner.js';

const noop = () => {};

/**
 * What the actors of one member share: its script runner (which carries the
 * incarnation calls are sent as), the lease events its instrumentations
 * hear, its grant confirmations, and the watermarks every reply is checked
 * against. One per member; the member actor and its request actors hold it
 * by reference. It decides nothing: the actors do.
 */
export class MemberLink {
  /** The lease events of this member, for `instrumentPool`. */
  readonly events = new LeaseEventFanout();
  /** With `confirmReplicas`: what holds each grant back until the replicas have it. */
  confirmations: GrantConfirmations | undefined;
  /** Between retries of a call that could not reach Redis, ms. */
  readonly retryDelay: number;
  /** Heartbeats sent so far: a lease held or a waiter queued after one was sent cannot be listed by it. */
  beats = 0;
  /** Joins that went through (the first included). */
  joins = 0;
  /** The incarnation Redis last accepted a join of: calls sent as it stand, until the next rejoin. */
  joinedAs: string | undefined;
  /** Old incarnations still to leave: whatever Redis holds for them goes back at the next join. */
  readonly retiring: string[] = [];
  /**
   * The highest lease id this member has seen in each shard since it last
   * joined: Redis reporting a lower last id lost writes (a failover to a
   * lagging replica).
   */
  highestLeases: number[] = [];
  /** Where the counts a reply showed go (the member actor, once it exists). */
  observe: (counts: SeenCounts) => void = noop;
  #nextRequest = 1;
  #incarnations = 0;

  constructor(
    readonly runner: PoolRunner,
    /** How long this member's leases, waiters and membership outlive its last heartbeat, ms. */
    readonly leaseTtl: number,
    /** Aborted when the member stops: a lease granted after it is wound down at once. */
    readonly stopSignal: AbortSignal,
  ) {
    this.retryDelay = Math.max(10, Math.min(1_000, Math.floor(leaseTtl / 10)));
  }

  /** Notes lease `lease`, seen in a reply or notice, as the highest of its shard if it is. */
  sawLease(lease: number): void {
    const shard = this.runner.shardOfLease(lease);
    this.highestLeases[shard] = Math.max(this.highestLeases[shard] ?? 0, lease);
  }

  /**
   * Whether a shard's last lease id, as a heartbeat read them, is below one
   * this member saw there before the heartbeat was sent (`seen`, a copy of
   * {@link highestLeases} then): Redis lost writes (D11). A lease seen
   * since may have been issued after the heartbeat's script ran.
   */
  lostWrites(lastLeases: readonly number[], seen: readonly number[]): boolean {
    return lastLeases.some((last, shard) => last < (seen[shard] ?? 0));
  }

  /**
   * Leaves the incarnation of now behind and sends as a new one from here
   * on: Redis refuses what is sent as the old one (`gone`), a grant to it
   * is never delivered, and the next join's leave gives back whatever Redis
   * still holds for it.
   */
  retire(): void {
    this.retiring.push(this.runner.member);
    this.runner.member = `${this.runner.process}/${++this.#incarnations}`;
  }

  /** A request id no call of this member process has used, in any incarnation. */
  nextRequest(): number {
    return this.#nextRequest++;
  }

  /** Whether `incarnation` is one this member has left behind: whatever Redis answered it, its leave undoes. */
  isRetired(incarnation: string): boolean {
    return incarnation !== this.runner.member;
  }

  /** Whether Redis has accepted the join of the incarnation calls are sent as now. */
  isJoined(): boolean {
    return this.joinedAs === this.runner.member;
  }

  /** Releases a lease nobody here holds; a failure is mended by the next heartbeat. */
  giveBack(lease: number): void {
    this.runner.release(lease).then((counts) => counts && this.observe(counts), noop);
  }

  /** Withdraws waiting request `id` from shard `shard`; if it was granted meanwhile, the grant is given back when it comes. */
  cancel(id: number, shard: number): void {
    this.runner.cancel(id, shard).then(noop, noop);
  }

  /** Leaves for good, with the old incarnations a failed rejoin left behind (those are reaped otherwise). */
  async leave(): Promise<void> {
    for (const old of this.retiring.splice(0)) await this.runner.leave(true, old).catch(noop);
    await this.runner.leave(true);
  }

  /**
   * Hears what a request actor emitted, after its step: winds its lease's
   * signal down (the holder's listeners may call back into the pool) and
   * tells the instrumentations.
   */
  hear(event: RequestEmitted): void {
    switch (event.type) {
      case 'request.granted':
        this.events.granted(event.ticket, event.lease.id, event.lease.key);
        return;
      case 'request.withdrawn':
        this.events.withdrawn(event.ticket, event.reason);
        return;
      case 'lease.released':
        this.events.released(event.lease.id);
        return;
      case 'lease.revoked': {
        const { lease } = event;
        if (lease.windDown(new LeaseRevokedError(lease.key))) this.events.revoked(lease.id, lease.key);
        return;
      }
      case 'lease.lost': {
        const { lease } = event;
        lease.windDown(new LeaseLostError(lease.id, lease.key));
        this.events.lost(lease.id, lease.key);
        return;
      }
      case 'lease.stopped':
        event.lease.windDown(new PoolStoppedError());
        return;
    }
  }

  /** What the inspector shows of it: the incarnation calls are sent as. */
  toJSON(): { member: string } {
    return { member: this.runner.member };
  }
}
