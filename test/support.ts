import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Pool } from '../src/index.js';

/** Waits until every microtask queued so far (and those they queue) has run. */
export function flush(): Promise<void> {
  return nextTurn().then(() => undefined);
}

/** A promise's outcome, readable synchronously once the promise has settled. */
export interface Tracked<T> {
  readonly promise: Promise<T>;
  readonly state: 'pending' | 'fulfilled' | 'rejected';
  readonly value: T | undefined;
  readonly reason: unknown;
}

/** Follows `promise` so a test can ask how it ended without awaiting it (and without an unhandled rejection). */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const tracked = { promise, state: 'pending', value: undefined, reason: undefined } as {
    -readonly [P in keyof Tracked<T>]: Tracked<T>[P];
  };
  promise.then(
    (value) => {
      tracked.state = 'fulfilled';
      tracked.value = value;
    },
    (reason) => {
      tracked.state = 'rejected';
      tracked.reason = reason;
    },
  );
  return tracked;
}

/** The counts of every key of `pool`, for comparing whole states. */
export function snapshotCounts<K>(pool: Pool<K>): Array<[K, { target: number; active: number }]> {
  return pool.keys().map((key) => [key, pool.get(key)]);
}
