import type { RedisLease } from './redis-pool.js';

/** What a lease needs of its member. */
export interface RedisLeaseOwner {
  /** Releases lease `id` in Redis; resolves once it landed or the lease was lost. */
  release(lease: MemberLease<string>): Promise<void>;
}

/**
 * A lease held by this member. Its signal is made on first read; its
 * wind-down reason (revoked, stopped, lost) is kept until then.
 */
export class MemberLease<K extends string> implements RedisLease<K> {
  #owner: RedisLeaseOwner;
  #controller: AbortController | undefined;
  #signal: AbortSignal | undefined;
  #reason: unknown;
  #released: Promise<void> | undefined;
  /** The lease was lost: a release changes nothing in Redis. */
  lost = false;
  /** Its holder has it (with `confirmReplicas`, only once the replicas have its grant). */
  delivered = false;
  /** The heartbeat count when it was delivered: a heartbeat sent before it cannot list it. */
  readonly deliveredAtBeat: number;

  constructor(
    readonly id: number,
    readonly key: K,
    owner: RedisLeaseOwner,
    deliveredAtBeat: number,
  ) {
    this.#owner = owner;
    this.deliveredAtBeat = deliveredAtBeat;
  }

  get signal(): AbortSignal {
    if (this.#signal) return this.#signal;
    if (this.#reason !== undefined) {
      this.#signal = AbortSignal.abort(this.#reason);
      return this.#signal;
    }
    this.#controller = new AbortController();
    this.#signal = this.#controller.signal;
    return this.#signal;
  }

  /** Whether release was called. */
  get released(): boolean {
    return this.#released !== undefined;
  }

  /** Asks the holder to wind down with `reason`, once; nothing after release. Returns whether it did now. */
  windDown(reason: unknown): boolean {
    if (this.#released || this.#reason !== undefined) return false;
    this.#reason = reason;
    this.#controller?.abort(reason);
    return true;
  }

  isZero(): boolean {
    return false;
  }

  release(): Promise<void> {
    // A release Redis refused for good leaves the lease held: a later call tries again.
    this.#released ??= this.#owner.release(this as MemberLease<string>).catch((error: unknown) => {
      this.#released = undefined;
      throw error;
    });
    return this.#released;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }

  toString(): string {
    return `RedisLease(${this.id})`;
  }
}
