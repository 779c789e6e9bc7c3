import type { BatchObservableResult, Meter } from '@opentelemetry/api';
import { got } from '../api/describe-value.js';
import type { Pool } from '../api/pool.js';
import { assertFunction, assertOptions } from '../api/validate.js';
import type { RedisPool } from '../redis/redis-pool.js';
import { actorPoolSource } from './actor-pool-source.js';
import { observeCounts } from './count-observer.js';
import { KeyAttributes } from './key-attributes.js';
import { LeaseRecorder } from './lease-recorder.js';
import type { MeterSource } from './meter-source.js';
import { meterSourceKey } from './meter-source-key.js';
import { durationBuckets, metricNames } from './names.js';
import type { InstrumentPoolOptions, PoolInstrumentation } from './options.js';
import { Tally } from './tally.js';

const defaultNow = () => performance.now();

function readOptions(options: unknown): InstrumentPoolOptions {
  assertOptions(options, 'instrumentPool', ['meter', 'keyAttribute', 'poolName', 'now']);
  const meter = options?.meter as Partial<Meter> | undefined;
  if (typeof meter !== 'object' || meter === null || typeof meter.createObservableGauge !== 'function') {
    throw new TypeError(`Expected \`meter\` to be an OpenTelemetry Meter, ${got(meter)}`);
  }
  if (options?.keyAttribute !== undefined) assertFunction(options.keyAttribute, 'keyAttribute');
  if (options?.now !== undefined) assertFunction(options.now, 'now');
  if (options?.poolName !== undefined && typeof options.poolName !== 'string') {
    throw new TypeError(`Expected \`poolName\` to be a string, ${got(options.poolName)}`);
  }
  return options as unknown as InstrumentPoolOptions;
}

/**
 * Publishes what `source` does on `options.meter` (see {@link instrumentPool});
 * for pools other than the in-process one, through a {@link MeterSource}.
 *
 * @throws {TypeError} for bad options; nothing is registered then.
 */
export function instrumentSource(source: MeterSource, options: InstrumentPoolOptions): PoolInstrumentation {
  const { meter, keyAttribute, poolName, now = defaultNow } = readOptions(options);
  const keys = new KeyAttributes(keyAttribute, poolName);
  const gauges = {
    leaseCount: meter.createObservableGauge(metricNames.leaseCount, {
      description: 'The number of leases currently out: granted and not yet released.',
      unit: '{lease}',
    }),
    leaseTarget: meter.createObservableGauge(metricNames.leaseTarget, {
      description: 'The target number of leases: how many may be out at once.',
      unit: '{lease}',
    }),
    pendingRequests: meter.createObservableGauge(metricNames.pendingRequests, {
      description: 'The number of acquire requests waiting for a lease.',
      unit: '{request}',
    }),
  };
  const advice = { explicitBucketBoundaries: [...durationBuckets] };
  // Counters are observable, counted in tallies: see Tally for why.
  const tallies = {
    grants: new Tally(
      meter.createObservableCounter(metricNames.grants, {
        description: 'The number of leases granted.',
        unit: '{lease}',
      }),
    ),
    revocations: new Tally(
      meter.createObservableCounter(metricNames.revocations, {
        description: 'The number of leases revoked because their target was lowered.',
        unit: '{lease}',
      }),
    ),
    withdrawals: new Tally(
      meter.createObservableCounter(metricNames.withdrawals, {
        description:
          'The number of waiting requests that gave up before a grant: timed out, aborted, or dropped at stop.',
        unit: '{request}',
      }),
    ),
    losses: source.losesLeases
      ? new Tally(
          meter.createObservableCounter(metricNames.losses, {
            description: 'The number of leases lost: their claim expired before release.',
            unit: '{lease}',
          }),
        )
      : undefined,
  };
  const recorder = new LeaseRecorder(
    {
      waitTime: meter.createHistogram(metricNames.waitTime, {
        description: 'The time from an acquire request to its grant.',
        unit: 's',
        advice,
      }),
      useTime: meter.createHistogram(metricNames.useTime, {
        description: 'The time between the grant of a lease and its release.',
        unit: 's',
        advice,
      }),
      withdrawnWaitTime: meter.createHistogram(metricNames.withdrawnWaitTime, {
        description: 'The time from a request that gave up to its withdrawal.',
        unit: 's',
        advice,
      }),
      ...tallies,
    },
    keys,
    now,
  );
  const counted = [
    tallies.grants,
    tallies.revocations,
    tallies.withdrawals,
    ...(tallies.losses ? [tallies.losses] : []),
  ];
  const observables = [
    gauges.leaseCount,
    gauges.leaseTarget,
    gauges.pendingRequests,
    ...counted.map((tally) => tally.instrument),
  ];
  const observeGauges = observeCounts(source, keys, gauges);
  const callback = (result: BatchObservableResult) => {
    observeGauges(result);
    for (const tally of counted) tally.report(result);
  };
  meter.addBatchObservableCallback(callback, observables);
  const unwatch = source.watch(recorder);

  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    meter.removeBatchObservableCallback(callback, observables);
    unwatch();
  };
  return { remove, [Symbol.dispose]: remove };
}

/**
 * Publishes a pool's leases, targets, waiters, wait and use times, grants,
 * revocations and the requests that gave up (by reason: timeout, aborted,
 * stopped, with how long they waited) as OpenTelemetry metrics on
 * `options.meter` (the instruments are listed in {@link metricNames}).
 * Everything is read from the pool's actors, as they hold and announce it
 * (`listenToPool`, never inspection): a pool that is not instrumented runs
 * none of it, and one with an inspector attached counts the same. Points
 * carry no key unless `options.keyAttribute` maps keys to attribute values.
 *
 * A Redis-mode member (`xstate-workpool/redis`) is instrumented the same
 * way, plus lost leases: targets and leases out per key are fleet-wide as
 * the member last saw them (the same on every member: aggregate them with
 * max, not sum); waiters, durations and counters are the member's own.
 *
 * `pool` may also be typed as either kind (`Pool<K> | RedisPool<K>`).
 * Returns a handle whose `remove()` unregisters every callback and listener
 * it registered.
 *
 * @throws {TypeError} if `pool` is not a pool, or for bad options (`meter` missing or not a Meter, an
 * unknown option, `keyAttribute` or `now` not a function, `poolName` not a
 * string); nothing is registered then.
 */
export function instrumentPool<K>(pool: Pool<K>, options: InstrumentPoolOptions<K>): PoolInstrumentation;
export function instrumentPool<K extends string>(
  pool: RedisPool<K>,
  options: InstrumentPoolOptions<K>,
): PoolInstrumentation;
// For a variable that may hold either kind of pool: overloads are tried one by one, never as a union.
export function instrumentPool<K extends string>(
  pool: Pool<K> | RedisPool<K>,
  options: InstrumentPoolOptions<K>,
): PoolInstrumentation;
export function instrumentPool<K>(pool: Pool<K> | RedisPool, options: InstrumentPoolOptions<K>): PoolInstrumentation {
  // Making the source registers nothing, so the options are still checked before anything is.
  return instrumentSource(sourceOf(pool), options as InstrumentPoolOptions);
}

/** `pool`'s {@link MeterSource}. @throws {TypeError} if `pool` is no pool this package made. */
function sourceOf(pool: unknown): MeterSource {
  const offered = (pool as { [meterSourceKey]?: unknown } | null | undefined)?.[meterSourceKey];
  if (typeof offered === 'function') return offered.call(pool) as MeterSource;
  // The pool actor's way out (see listenToPool), checked before anything is registered.
  const actor = (pool as { actor?: { getSnapshot?: () => { context?: { outlet?: { listen?: unknown } } } } } | null)
    ?.actor;
  if (typeof actor?.getSnapshot?.()?.context?.outlet?.listen !== 'function') {
    throw new TypeError(`Expected \`pool\` to be a pool made by createPool or createRedisPool, ${got(pool)}`);
  }
  return actorPoolSource(pool as Pool<unknown>);
}
