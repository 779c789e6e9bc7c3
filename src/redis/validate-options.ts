import { got } from '../api/describe-value.js';
import { assertDefaultTarget, assertFunction, assertOptions, assertSignal } from '../api/validate.js';
import type { CreateRedisPoolOptions, RedisAcquireOptions } from './redis-pool.js';
import { maxShards } from './shards.js';

/** Throws a `TypeError` naming the value unless `key` is a string (keys of a Redis pool are strings). */
export function assertStringKey(key: unknown, name = 'key'): asserts key is string {
  if (typeof key !== 'string') throw new TypeError(`Expected \`${name}\` to be a string, ${got(key)}`);
}

/**
 * Reads the `key`/`signal` options of `acquire`, `leases` and `run` once, as
 * the in-process pool does (a getter is not asked again later, so what was
 * checked is what is used); throws a `TypeError` for bad ones.
 */
export function readAcquireOptions<K extends string>(options: unknown, call: string): RedisAcquireOptions<K> {
  assertOptions(options, call, ['key', 'signal']);
  const key = options?.key;
  const signal = options?.signal;
  assertSignal(signal);
  if (key !== undefined) assertStringKey(key);
  return { ...(key === undefined ? {} : { key: key as K }), ...(signal ? { signal } : {}) };
}

/**
 * The longest `leaseTtl` accepted, in ms (~24.8 days): a member arms its
 * local lease deadline `leaseTtl` ahead, and timers clamp any longer delay
 * to 1 ms, which would lose its leases (and heartbeat) at once.
 */
export const maxLeaseTtl = 2 ** 31 - 1;

/**
 * Reads `createRedisPool`'s options: throws a `TypeError` or `RangeError`
 * naming the option and its value for a bad one; fills in the defaults.
 */
export function readRedisPoolOptions(options: CreateRedisPoolOptions): {
  opts: CreateRedisPoolOptions;
  prefix: string;
  leaseTtl: number;
  confirmReplicas: number;
  confirmTimeout: number;
  defaultTarget: number | undefined;
  shards: number;
} {
  const raw: unknown = options;
  if (raw === undefined)
    throw new TypeError('Expected the options of `createRedisPool` to be an object, got undefined');
  assertOptions(raw, 'createRedisPool', [
    'redis',
    'name',
    'prefix',
    'leaseTtl',
    'confirmReplicas',
    'confirmTimeout',
    'signal',
    'inspect',
    'defaultTarget',
    'shards',
  ]);
  const opts = raw as unknown as CreateRedisPoolOptions;
  if (typeof opts.name !== 'string' || opts.name === '') {
    throw new TypeError(`Expected \`name\` to be a non-empty string, ${got(opts.name)}`);
  }
  const prefix = opts.prefix ?? 'workpool';
  if (typeof prefix !== 'string') throw new TypeError(`Expected \`prefix\` to be a string, ${got(prefix)}`);
  const leaseTtl = opts.leaseTtl ?? 30_000;
  if (typeof leaseTtl !== 'number') throw new TypeError(`Expected \`leaseTtl\` to be a number, ${got(leaseTtl)}`);
  if (!Number.isSafeInteger(leaseTtl) || leaseTtl < 100 || leaseTtl > maxLeaseTtl) {
    throw new RangeError(`Expected \`leaseTtl\` to be an integer from 100 to ${maxLeaseTtl} (ms), ${got(leaseTtl)}`);
  }
  const confirmReplicas = opts.confirmReplicas ?? 0;
  if (!Number.isSafeInteger(confirmReplicas) || confirmReplicas < 0 || confirmReplicas > 100) {
    throw new RangeError(`Expected \`confirmReplicas\` to be an integer from 0 to 100, ${got(confirmReplicas)}`);
  }
  const confirmTimeout = opts.confirmTimeout ?? Math.max(1, Math.min(1_000, Math.floor(leaseTtl / 10)));
  if (!Number.isSafeInteger(confirmTimeout) || confirmTimeout < 1 || confirmTimeout > leaseTtl) {
    throw new RangeError(
      `Expected \`confirmTimeout\` to be an integer from 1 to leaseTtl (${leaseTtl} ms), ${got(confirmTimeout)}`,
    );
  }
  assertSignal(opts.signal);
  const inspect: unknown = opts.inspect;
  if (inspect !== undefined && typeof inspect !== 'function' && (typeof inspect !== 'object' || inspect === null)) {
    assertFunction(inspect, 'inspect');
  }
  const defaultTarget = opts.defaultTarget;
  if (defaultTarget !== undefined) assertDefaultTarget(defaultTarget);
  const shards = opts.shards ?? 1;
  if (!Number.isSafeInteger(shards) || shards < 1 || shards > maxShards) {
    throw new RangeError(`Expected \`shards\` to be an integer from 1 to ${maxShards}, ${got(shards)}`);
  }
  return { opts, prefix, leaseTtl, confirmReplicas, confirmTimeout, defaultTarget, shards };
}
