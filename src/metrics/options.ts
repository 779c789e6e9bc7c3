import type { Meter } from '@opentelemetry/api';

/** An attribute value a key can be mapped to. */
export type KeyAttributeValue = string | number | boolean;

/** The options of {@link instrumentPool}. Each optional one accepts `undefined` as "absent". */
export interface InstrumentPoolOptions<K = unknown> {
  /** The meter the instruments are created on, e.g. `metrics.getMeter('my-service')`. */
  readonly meter: Meter;
  /**
   * Maps a key to the value of the `workpool.key` attribute, or to
   * `undefined` to count it without that attribute (aggregated with every
   * other key mapped to nothing). Without it no point carries a key, so a
   * pool of 100,000 keys never becomes 100,000 series by accident. Called
   * at grants, revocations, losses and each collection; it may
   * call back into the pool. If it throws or returns anything else, the
   * error is reported (`reportError`) and the key counted without the attribute.
   * @default no key attribute
   */
  readonly keyAttribute?: ((key: K) => KeyAttributeValue | undefined) | undefined;
  /** Put on every point as `workpool.pool.name`, to tell pools of one process apart. @default none */
  readonly poolName?: string | undefined;
  /**
   * The clock the histograms read, in milliseconds; for tests.
   * @default performance.now
   */
  readonly now?: (() => number) | undefined;
}

/** What {@link instrumentPool} returns: removing it takes back everything it registered. */
export interface PoolInstrumentation extends Disposable {
  /**
   * Unregisters every observable callback and unsubscribes from the pool:
   * nothing of the instrumentation runs afterwards. Calling it again does
   * nothing. The instruments stay in the meter (the API cannot delete them)
   * but report no more.
   */
  remove(): void;
  /** The same as {@link PoolInstrumentation.remove}, for `using`. */
  [Symbol.dispose](): void;
}
