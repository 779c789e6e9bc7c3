/**
 * A grant of one unit of a group's capacity, held by a worker until it is
 * released. `using lease = await pool.acquire()` releases it at the end of
 * the block.
 */
export interface Lease<K = unknown> extends Disposable {
  /** Positive, unique in its pool, increasing in grant order; 0 for the zero lease. */
  readonly id: number;
  /** The key of the group this lease belongs to; `undefined` for the zero lease. */
  readonly key: K;
  /**
   * Asks the holder to wind down. It aborts with a `LeaseRevokedError` when
   * `set` lowers the group's target below its leases out and this lease is
   * among the newest, and with a `PoolStoppedError` when the pool stops. It
   * never aborts after the lease is released, nor for the zero lease. The
   * lease keeps counting until it is released. Costs nothing until read.
   */
  readonly signal: AbortSignal;
  /** Whether this is the zero lease, which belongs to no pool. */
  isZero(): boolean;
  /**
   * Gives the lease back to its group, which may hand it on at once. Calling
   * it again does nothing; it works after the pool has stopped too.
   */
  release(): void;
  /** The same as {@link Lease.release}, for `using`. */
  [Symbol.dispose](): void;
}

/** What a lease needs of its pool; one object shared by all its leases. */
export interface LeaseOwner {
  /** Tells the pool lease `leaseId` was released. */
  settle(leaseId: number): void;
  /** Why lease `leaseId` is asked to wind down now, if it is; `undefined` otherwise. */
  windDownReason(leaseId: number, key: unknown): unknown;
  /** Aborts `controller` when lease `leaseId` is asked to wind down, until `unwatch`. */
  watch(leaseId: number, controller: AbortController): void;
  /** Stops watching lease `leaseId`. */
  unwatch(leaseId: number): void;
}

/** The signal of a lease that will never be asked to wind down. */
const neverAborted = new AbortController().signal;

/**
 * A lease issued by a pool. Its signal is made on first read, so a holder
 * that never reads it pays no `AbortController`.
 */
export class PoolLease<K> implements Lease<K> {
  #owner: LeaseOwner | undefined;
  #signal: AbortSignal | undefined;

  constructor(
    readonly id: number,
    readonly key: K,
    owner: LeaseOwner | undefined,
  ) {
    this.#owner = owner;
  }

  get signal(): AbortSignal {
    if (this.#signal) return this.#signal;
    const owner = this.#owner;
    if (!owner) return neverAborted;
    const reason = owner.windDownReason(this.id, this.key);
    if (reason !== undefined) {
      this.#signal = AbortSignal.abort(reason);
      return this.#signal;
    }
    const controller = new AbortController();
    owner.watch(this.id, controller);
    this.#signal = controller.signal;
    return this.#signal;
  }

  isZero(): boolean {
    return this.id === 0;
  }

  release(): void {
    const owner = this.#owner;
    if (!owner) return;
    // A signal not yet read is fixed now, so that reading it later tells
    // what it was at release and never aborts afterwards.
    if (this.#signal) owner.unwatch(this.id);
    else {
      const reason = owner.windDownReason(this.id, this.key);
      this.#signal = reason === undefined ? neverAborted : AbortSignal.abort(reason);
    }
    this.#owner = undefined;
    owner.settle(this.id);
  }

  [Symbol.dispose](): void {
    this.release();
  }

  toString(): string {
    return `Lease(${this.id})`;
  }
}

/**
 * The zero lease (id 0), kept for parity with Go's zero `Lease`: it belongs
 * to no pool, its key is `undefined`, releasing it does nothing and its
 * signal never aborts.
 */
export const zeroLease: Lease<never> = Object.freeze(new PoolLease<never>(0, undefined as never, undefined));
