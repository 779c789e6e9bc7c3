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
