import { describeValue } from './describe-value.js';

/**
 * A lease of a Redis pool was lost (DISTRIBUTED.md D5): its member could not
 * heartbeat within `leaseTtl` (partition, Redis down, process paused), so
 * the pool took the lease back and may have granted its capacity to
 * another holder. The lease's `signal` aborts with it; its later `release()`
 * resolves and changes nothing.
 */
export class LeaseLostError extends Error {
  /** Always `'LeaseLostError'`, so the error can be told apart without `instanceof`. */
  override readonly name = 'LeaseLostError';

  constructor(
    /** The id of the lost lease. */
    readonly leaseId: number,
    /** The key of the lost lease's group. */
    readonly key: unknown,
  ) {
    super(`Lease ${leaseId} of key ${describeValue(key)} was lost: its member could not heartbeat within leaseTtl`);
  }
}
