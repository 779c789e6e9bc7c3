import { describeValue } from './describe-value.js';

/**
 * The pool is stopped (SPEC S8). Pending and later `acquire()` calls reject
 * with it, `set()` throws it, and `pool.signal` is aborted with it.
 */
export class PoolStoppedError extends Error {
  /** Always `'PoolStoppedError'`, so the error can be told apart without `instanceof`. */
  override readonly name = 'PoolStoppedError';

  constructor(message = 'The pool is stopped') {
    super(message);
  }
}

/**
 * A lease's holder is asked to wind down because `set` lowered its group's
 * target below the leases out: the lease's `signal` aborts with this error.
 * The lease keeps counting until it is released.
 */
export class LeaseRevokedError extends Error {
  /** Always `'LeaseRevokedError'`, so the error can be told apart without `instanceof`. */
  override readonly name = 'LeaseRevokedError';

  /** The key of the group whose target was lowered. */
  readonly key: unknown;

  constructor(key: unknown) {
    super(`The lease of key ${describeValue(key)} was revoked: its group's target was lowered`);
    this.key = key;
  }
}
