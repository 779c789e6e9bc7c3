import { createPool, type Lease, type Pool } from '../src/index.js';
import type { Outcome } from './model.js';

/** Settles every pending promise reaction: a macrotask runs only once the microtask queue is empty. */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** One call the test made that settles later: an `acquire()` or a `drained()`. */
export interface RealRequest {
  readonly request: number;
  /** What an `acquire()` accepts; `undefined` for `drained()`. */
  readonly want: { readonly any: true } | { readonly any: false; readonly key: unknown } | undefined;
  /** The request's own abort controller, if it was given a signal. */
  readonly controller: AbortController | undefined;
  settled: boolean;
}

/**
 * The real pool under test, with what the test saw of it: every request and
 * how it settled, in settle order, and every lease delivered to the test.
 */
export class RealSystem {
  readonly pool: Pool<unknown>;
  /** Settled requests, in the order their promises settled. */
  readonly log: Outcome[] = [];
  /** Rejections that matched no expected kind, kept to report. */
  readonly strangeErrors: unknown[] = [];
  readonly requests: RealRequest[] = [];
  /** Every lease delivered (by `acquire` or `tryAcquire`), in delivery order. */
  readonly delivered: Lease<unknown>[] = [];
  /**
   * Leases `tryAcquire` returned. They reach the test at once, before the
   * promises of `acquire`s served in the same call (by a group it created on
   * demand), so their ids may come before older ones in delivery order.
   */
  readonly tried = new Set<Lease<unknown>>();
  /** Leases the test has released. */
  readonly released = new Set<Lease<unknown>>();
  /** How far `log` the comparison has read. */
  logRead = 0;
  /** The highest lease id delivered when the pool stopped, if it has. */
  lastIdAtStop: number | undefined;
  /** Counts of every key after the last check, to see growth while draining. */
  lastCounts = new Map<unknown, { target: number; active: number }>();

  /** The signal a pool made here stops with; `undefined` for a pool passed in. */
  readonly parent: AbortController | undefined;

  /** Watches `pool`: a new one (stopped by {@link parent}, with `defaultTarget`) by default; the soak passes one long-lived pool to one system after another. */
  constructor(pool?: Pool<unknown>, defaultTarget?: number) {
    this.parent = pool ? undefined : new AbortController();
    this.pool = pool ?? createPool<unknown>({ signal: this.parent?.signal, defaultTarget });
  }

  /** Starts an `acquire()` and records how it settles. */
  acquire(want: RealRequest['want'] & object, signal: 'none' | 'live' | 'aborted'): RealRequest {
    const controller = signal === 'none' ? undefined : new AbortController();
    if (signal === 'aborted') controller?.abort(new AbortReason(this.requests.length));
    const entry: RealRequest = { request: this.requests.length, want, controller, settled: false };
    this.requests.push(entry);
    const options = {
      ...(want.any ? {} : { key: want.key }),
      ...(controller ? { signal: controller.signal } : {}),
    };
    this.pool.acquire(options).then(
      (lease) => {
        entry.settled = true;
        this.delivered.push(lease);
        this.log.push({ request: entry.request, kind: 'lease', leaseId: lease.id, key: lease.key });
      },
      (error: unknown) => {
        entry.settled = true;
        if (controller && error === controller.signal.reason) {
          this.log.push({ request: entry.request, kind: 'aborted' });
        } else if (error instanceof Error && error.name === 'PoolStoppedError' && /stopped/i.test(error.message)) {
          this.log.push({ request: entry.request, kind: 'stopped' });
        } else {
          this.strangeErrors.push(error);
        }
      },
    );
    return entry;
  }

  /** Starts a `drained()` and records when it resolves. */
  drained(): RealRequest {
    const entry: RealRequest = {
      request: this.requests.length,
      want: undefined,
      controller: undefined,
      settled: false,
    };
    this.requests.push(entry);
    this.pool.drained().then(
      () => {
        entry.settled = true;
        this.log.push({ request: entry.request, kind: 'drained' });
      },
      (error: unknown) => this.strangeErrors.push(error),
    );
    return entry;
  }

  /** `tryAcquire()`, recording a delivered lease. */
  tryAcquire(
    want: { readonly any: true } | { readonly any: false; readonly key: unknown },
  ): Lease<unknown> | undefined {
    const lease = this.pool.tryAcquire(want.any ? undefined : { key: want.key });
    if (lease) {
      this.delivered.push(lease);
      this.tried.add(lease);
    }
    return lease;
  }

  /** Releases a delivered lease (by `release()` or by `Symbol.dispose`). */
  release(lease: Lease<unknown>, how: 'release' | 'dispose'): void {
    if (how === 'release') lease.release();
    else lease[Symbol.dispose]();
    this.released.add(lease);
  }

  /** The `acquire()` calls still waiting. */
  pendingAcquires(): RealRequest[] {
    return this.requests.filter((r) => r.want !== undefined && !r.settled);
  }

  /** Gives every lease back and stops the pool, so a run leaves nothing behind. */
  dispose(): void {
    this.pool.stop();
    for (const lease of this.delivered) lease.release();
  }
}

/** The reason the test aborts a request's signal with: unique per request, so identity proves the rejection is its own. */
export class AbortReason extends Error {
  constructor(readonly request: number) {
    super(`request ${request} aborted by the test`);
    this.name = 'AbortReason';
  }
}
