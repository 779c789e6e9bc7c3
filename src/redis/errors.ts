import { describeValue } from '../api/describe-value.js';

/**
 * A call to Redis failed: the pool's call rejects with this error, and
 * `cause` is the client's own error.
 */
export class RedisPoolError extends Error {
  /** Always `'RedisPoolError'`. */
  override readonly name = 'RedisPoolError';
  /** Redis answered with an error (a missing ACL permission, out of memory) rather than not answering. */
  readonly refused: boolean;
  /**
   * The same call may succeed later without anyone changing anything:
   * Redis was not reached, or refused for a passing reason (`OOM`,
   * `LOADING`, `BUSY`, `TRYAGAIN`, `MOVED`/`ASK`, `READONLY`,
   * `CLUSTERDOWN`, `MASTERDOWN`, `NOREPLICAS`). A lease's `release()`
   * retries through these.
   */
  readonly transient: boolean;

  constructor(message: string, options: { cause: unknown; refused: boolean; transient?: boolean }) {
    super(message, { cause: options.cause });
    this.refused = options.refused;
    this.transient = options.transient ?? !options.refused;
  }
}

/**
 * A key of the pool in Redis holds a value the pool did not write there:
 * the call is refused before anything is written, so no count is
 * corrupted. `redisKey` names the key, `found` what it holds.
 */
export class ForeignValueError extends Error {
  /** Always `'ForeignValueError'`. */
  override readonly name = 'ForeignValueError';

  constructor(
    /** The Redis key holding the foreign value; `''` where Redis did not say which (a read refused with WRONGTYPE). */
    readonly redisKey: string,
    /** What Redis found there (its type, or a description). */
    readonly found: string,
  ) {
    super(
      redisKey === ''
        ? `A Redis key of the pool holds a foreign value (${found}); nothing was changed`
        : `The Redis key ${describeValue(redisKey)} of the pool holds a foreign value (${found}); nothing was changed`,
    );
  }
}
