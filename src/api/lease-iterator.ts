import { onAbort } from './abort-listeners.js';
import type { AcquireOptions } from './options.js';

/**
 * The async iterator behind `pool.leases()`. Each `next()` is one
 * `acquire()`; `return()` withdraws a pending one through its own abort
 * signal, and gives back a lease that was granted in the same turn. The
 * iteration ends quietly when a step rejects with an error `isStop` knows
 * as its pool's stop, and throws any other error, another pool's
 * `PoolStoppedError` included. Shared by the in-process pool and the Redis
 * pool, whose leases it only releases.
 */
export function leaseIterator<K, L extends { release(): unknown }>(
  acquire: (options: AcquireOptions<K>) => Promise<L>,
  options: AcquireOptions<K>,
  isStop: (error: unknown) => boolean,
): AsyncIterableIterator<L, undefined> {
  const closed = new AbortController();
  // The pending acquire is withdrawn by return() or by the caller's signal, with that signal's reason.
  // (By hand rather than AbortSignal.any, which Node 20 has only from 20.3.)
  const withdraw = new AbortController();
  const outer = options.signal;
  let unlistenOuter = () => {};
  if (outer?.aborted) withdraw.abort(outer.reason);
  else if (outer) unlistenOuter = onAbort(outer, () => withdraw.abort(outer.reason));
  closed.signal.addEventListener('abort', () => {
    unlistenOuter();
    withdraw.abort();
  });
  const signal = withdraw.signal;
  const want: AcquireOptions<K> = options.key === undefined ? { signal } : { key: options.key, signal };
  const done = { done: true, value: undefined } as const;

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (closed.signal.aborted) return done;
      try {
        const lease = await acquire(want);
        if (!closed.signal.aborted) return { done: false, value: lease };
        // return() came while this lease was on its way: nobody will use it.
        lease.release();
        return done;
      } catch (error) {
        if (isStop(error) || closed.signal.aborted) {
          closed.abort();
          return done;
        }
        closed.abort();
        throw error;
      }
    },
    async return() {
      closed.abort();
      return done;
    },
  };
}
