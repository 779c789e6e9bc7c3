/**
 * A grant of one unit of a group's capacity, held by a worker until it is
 * released. `using lease = await pool.acquire()` releases it at the end of
 * the block.
 */
export interface Lease<K = unknown> extends Disposable {
  /** Positive, unique in its pool, increasing in grant order (SPEC S6); 0 for the zero lease. */
  readonly id: number;
  /** The key of the group this lease belongs to; `undefined` for the zero lease. */
  readonly key: K;
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

/** A lease issued by a pool; `settle` tells the pool it was released. */
export class PoolLease<K> implements Lease<K> {
  #settle: ((leaseId: number) => void) | undefined;

  constructor(
    readonly id: number,
    readonly key: K,
    settle: (leaseId: number) => void,
  ) {
    this.#settle = settle;
  }

  isZero(): boolean {
    return this.id === 0;
  }

  release(): void {
    const settle = this.#settle;
    if (!settle) return;
    this.#settle = undefined;
    settle(this.id);
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
 * to no pool, its key is `undefined` and releasing it does nothing.
 */
export const zeroLease: Lease<never> = Object.freeze(new PoolLease<never>(0, undefined as never, () => {}));
