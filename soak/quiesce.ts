import { KEYS } from '../model-tests/keys.js';
import { flushMicrotasks } from '../model-tests/system.js';
import type { Pool } from '../src/index.js';

/** What a quiet pool must look like between epochs: nothing waiting, nothing out, no group. */
export class QuiesceError extends Error {
  override readonly name = 'QuiesceError';
}

/**
 * Brings the long-lived pool back to empty through its public calls only:
 * serves every waiter (raising every key of the model tests' alphabet),
 * releases every lease delivered so far, and sets every key to 0. Then
 * checks the pool holds nothing, which is the soak's end-of-epoch invariant.
 */
export async function quiesce(pool: Pool<unknown>, delivered: Iterable<{ release(): void }>): Promise<void> {
  for (const key of KEYS) pool.set(key, 1_000_000);
  await flushMicrotasks();
  for (const lease of delivered) lease.release();
  const context = pool.actor.getSnapshot().context;
  // Leases delivered during the flush above (to waiters served by the raise) are in `delivered` too.
  for (const key of KEYS) pool.set(key, 0);
  await flushMicrotasks();
  if (context.waiters.size !== 0) throw new QuiesceError(`${context.waiters.size} waiters left after serving all`);
  if (context.leases.size !== 0) throw new QuiesceError(`${context.leases.size} leases out after releasing all`);
  if (pool.keys().length !== 0)
    throw new QuiesceError(`groups left after setting every key to 0: ${pool.keys().length}`);
  if (context.ready.size !== 0) throw new QuiesceError(`${context.ready.size} groups left in the rotation`);
}
