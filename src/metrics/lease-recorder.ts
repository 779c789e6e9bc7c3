import type { Attributes, Counter, Histogram } from '@opentelemetry/api';
import type { KeyAttributes } from './key-attributes.js';
import type { LeaseEvents } from './meter-source.js';

/** A lease out, as the recorder remembers it until its release. */
interface Held {
  readonly grantedAt: number;
  readonly attributes: Attributes;
}

/** The synchronous instruments a {@link LeaseRecorder} records to. */
export interface LeaseInstruments {
  readonly waitTime: Histogram;
  readonly useTime: Histogram;
  readonly grants: Counter;
  readonly revocations: Counter;
  readonly losses: Counter | undefined;
}

/**
 * Turns a pool's lease events into measurements. It remembers only what a
 * duration needs between its two events: when each waiting request arrived
 * (until its grant, withdrawal or the stop) and when each lease was granted
 * (until its release), so its memory follows the waiters and leases out.
 * Requests and leases from before it started are counted but not timed.
 */
export class LeaseRecorder implements LeaseEvents {
  readonly #waitingSince = new Map<number, number>();
  readonly #held = new Map<number, Held>();

  constructor(
    private readonly instruments: LeaseInstruments,
    private readonly keys: KeyAttributes,
    private readonly now: () => number,
  ) {}

  requested(requestId: number): void {
    this.#waitingSince.set(requestId, this.now());
  }

  withdrawn(requestId: number): void {
    this.#waitingSince.delete(requestId);
  }

  granted(requestId: number, leaseId: number, key: unknown): void {
    const grantedAt = this.now();
    const attributes = this.keys.forKey(key);
    this.instruments.grants.add(1, attributes);
    const since = this.#waitingSince.get(requestId);
    if (since !== undefined) {
      this.#waitingSince.delete(requestId);
      this.instruments.waitTime.record((grantedAt - since) / 1000, attributes);
    }
    this.#held.set(leaseId, { grantedAt, attributes });
  }

  released(leaseId: number): void {
    const held = this.#held.get(leaseId);
    if (!held) return;
    this.#held.delete(leaseId);
    this.instruments.useTime.record((this.now() - held.grantedAt) / 1000, held.attributes);
  }

  revoked(_leaseId: number, key: unknown): void {
    this.instruments.revocations.add(1, this.keys.forKey(key));
  }

  lost(leaseId: number, key: unknown): void {
    // A lost lease's release changes nothing, so its use time is never known.
    this.#held.delete(leaseId);
    this.instruments.losses?.add(1, this.keys.forKey(key));
  }

  stopped(dropped: readonly number[]): void {
    for (const requestId of dropped) this.#waitingSince.delete(requestId);
  }
}
