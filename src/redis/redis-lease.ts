import type { RedisLease } from './redis-pool.js';

/** What a lease needs of the request actor that holds it. */
export interface RedisLeaseOwner {
  /** Asks for the lease's release; the lease is told how it ended ({@link MemberLease.settleRelease}, {@link MemberLease.refuseRelease}). */
  release(): void;
}

/**
 * The caller's handle on a lease held by this member. Its life (held,
 * releasing, lost) is the state of the request actor that holds it; the
 * handle settles `release()` as that actor says. Its signal is made on
 * first read; its wind-down reason (revoked, stopped, lost) is kept until then.
 */
export class MemberLease<K extends string> implements RedisLease<K> {
  #owner: RedisLeaseOwner;
  #controller: AbortController | undefined;
  #signal: AbortSignal | undefined;
  #reason: unknown;
  #released: Promise<void> | undefined;
  #settle: { resolve(): void; reject(error: unknown): void } | undefined;
  /** The lease was lost: a release changes nothing in Redis. */
  lost = false;
  /** Its holder has it (with `confirmReplicas`, only once the replicas have its grant). */
  delivered = false;
  /** The heartbeats sent when this member came to hold it: one sent before then cannot list it. */
  readonly heldAtBeat: number;

  constructor(
    readonly id: number,
    readonly key: K,
    owner: RedisLeaseOwner,
    heldAtBeat: number,
  ) {
    this.#owner = owner;
    this.heldAtBeat = heldAtBeat;
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
    if (this.#released) return this.#released;
    if (this.lost) {
      this.#released = Promise.resolve();
      return this.#released;
    }
    this.#released = new Promise<void>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    const released = this.#released;
    this.#owner.release();
    return released;
  }

  /** The release landed, or the lease was lost while it was on its way: `release()` resolves. */
  settleRelease(): void {
    const settle = this.#settle;
    this.#settle = undefined;
    settle?.resolve();
  }

  /** Redis refused the release for good: `release()` rejects, the lease stays held, and a later call tries again. */
  refuseRelease(error: unknown): void {
    const settle = this.#settle;
    this.#settle = undefined;
    this.#released = undefined;
    settle?.reject(error);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }

  toString(): string {
    return `RedisLease(${this.id})`;
  }
}
