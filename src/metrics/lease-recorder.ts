import type { Attributes, Histogram } from '@opentelemetry/api';
import type { KeyAttributes } from './key-attributes.js';
import type { LeaseEvents } from './meter-source.js';
import { attributeNames } from './names.js';
import type { Tally } from './tally.js';

/** What a {@link LeaseRecorder} records to: histograms, and the tallies its observable counters report. */
export interface LeaseInstruments {
  readonly waitTime: Histogram;
  readonly useTime: Histogram;
  readonly grants: Tally;
  readonly revocations: Tally;
  readonly losses: Tally | undefined;
  readonly withdrawals: Tally;
  readonly withdrawnWaitTime: Histogram;
}

/** Why a waiting request was withdrawn, as the `workpool.withdrawal.reason` attribute says it. */
export type WithdrawalReason = 'timeout' | 'aborted' | 'stopped' | 'failed';

/**
 * The reason a request withdrawn with abort reason `reason` is counted
 * under: `timeout` for an error named `TimeoutError` (what
 * `AbortSignal.timeout` aborts with), `failed` for one named
 * `RedisPoolError` (a Redis-mode request that Redis could not take: the
 * pool gave up, not its caller), `aborted` for anything else.
 */
export function withdrawalReasonOf(reason: unknown): WithdrawalReason {
  const name = typeof reason === 'object' && reason !== null ? (reason as { name?: unknown }).name : undefined;
  if (name === 'TimeoutError') return 'timeout';
  return name === 'RedisPoolError' ? 'failed' : 'aborted';
}

/**
 * Turns a pool's lease events into measurements. It remembers only what a
 * duration needs between its two events: when each waiting request arrived
 * and the key it asked for (until its grant, withdrawal or the stop) and
 * when each lease was granted (until its release), so its memory follows
 * the waiters and leases out, plus one attribute set per withdrawal reason
 * and key attribute value. Requests and leases from before it started are
 * counted but not timed.
 */
export class LeaseRecorder implements LeaseEvents {
  readonly #waitingSince = new Map<number, number>();
  /** The key each waiting keyed request asks for (any-key requests are not here). */
  readonly #askedKey = new Map<number, unknown>();
  /** When each lease out was granted. */
  readonly #grantedAt = new Map<number, number>();
  /** The attributes of each lease out whose key maps to an attribute (the others have the base attributes). */
  readonly #keyedLeases = new Map<number, Attributes>();
  /** The withdrawal attributes per reason and key attribute value, made once each. */
  readonly #withdrawalAttributes = new Map<string, Map<unknown, Attributes>>();

  constructor(
    private readonly instruments: LeaseInstruments,
    private readonly keys: KeyAttributes,
    private readonly now: () => number,
  ) {}

  requested(requestId: number, key?: unknown): void {
    this.#waitingSince.set(requestId, this.now());
    if (key !== undefined) this.#askedKey.set(requestId, key);
  }

  withdrawn(requestId: number, reason?: unknown): void {
    this.#withdraw(requestId, withdrawalReasonOf(reason));
  }

  granted(requestId: number, leaseId: number, key: unknown): void {
    const grantedAt = this.now();
    const attributes = this.keys.forKey(key);
    this.instruments.grants.add(1, attributes);
    const since = this.#waitingSince.get(requestId);
    if (since !== undefined) {
      this.#waitingSince.delete(requestId);
      if (this.#askedKey.size > 0) this.#askedKey.delete(requestId);
      this.instruments.waitTime.record((grantedAt - since) / 1000, attributes);
    }
    // Two maps rather than an object per lease: the hot paths allocate as little as they can.
    this.#grantedAt.set(leaseId, grantedAt);
    if (attributes !== this.keys.base) this.#keyedLeases.set(leaseId, attributes);
  }

  released(leaseId: number): void {
    const grantedAt = this.#grantedAt.get(leaseId);
    if (grantedAt === undefined) return;
    this.#grantedAt.delete(leaseId);
    this.instruments.useTime.record((this.now() - grantedAt) / 1000, this.#takeAttributes(leaseId));
  }

  revoked(_leaseId: number, key: unknown): void {
    this.instruments.revocations.add(1, this.keys.forKey(key));
  }

  lost(leaseId: number, key: unknown): void {
    // A lost lease's release changes nothing, so its use time is never known.
    this.#grantedAt.delete(leaseId);
    this.#takeAttributes(leaseId);
    this.instruments.losses?.add(1, this.keys.forKey(key));
  }

  stopped(dropped: readonly number[]): void {
    for (const requestId of dropped) this.#withdraw(requestId, 'stopped');
  }

  /** The attributes lease `leaseId` was granted with, forgotten now. */
  #takeAttributes(leaseId: number): Attributes {
    if (this.#keyedLeases.size === 0) return this.keys.base;
    const attributes = this.#keyedLeases.get(leaseId);
    if (attributes === undefined) return this.keys.base;
    this.#keyedLeases.delete(leaseId);
    return attributes;
  }

  /**
   * Counts waiting request `requestId` as withdrawn for `reason`, by the key
   * it asked for, and records how long it waited if its arrival was heard.
   */
  #withdraw(requestId: number, reason: WithdrawalReason): void {
    const since = this.#waitingSince.get(requestId);
    const key = this.#askedKey.get(requestId);
    this.#waitingSince.delete(requestId);
    this.#askedKey.delete(requestId);
    const attributes = this.#withdrawalAttributesOf(reason, key);
    this.instruments.withdrawals.add(1, attributes);
    if (since !== undefined) this.instruments.withdrawnWaitTime.record((this.now() - since) / 1000, attributes);
  }

  /** The attributes of a withdrawal for `reason` of a request that asked for `key` (`undefined`: any key). */
  #withdrawalAttributesOf(reason: WithdrawalReason, key: unknown): Attributes {
    const value = key === undefined ? undefined : this.keys.valueOf(key);
    let byValue = this.#withdrawalAttributes.get(reason);
    if (!byValue) {
      byValue = new Map();
      this.#withdrawalAttributes.set(reason, byValue);
    }
    let attributes = byValue.get(value);
    if (!attributes) {
      attributes = { ...this.keys.forValue(value), [attributeNames.withdrawalReason]: reason };
      byValue.set(value, attributes);
    }
    return attributes;
  }
}
