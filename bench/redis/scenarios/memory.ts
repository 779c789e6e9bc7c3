import Bottleneck from 'bottleneck';
import { Redis as IORedis } from 'ioredis';
import { createClient } from 'redis';
import { Semaphore } from 'redis-semaphore';
import { formatCount } from '../../harness/format.js';
import type { Section } from '../../harness/table.js';
import type { RedisBenchContext } from '../context.js';
import { usedMemory } from '../redis-info.js';
import { loadRedisPoolModule } from '../subjects.js';

/** Concurrent calls in flight while setting many keys. */
const IN_FLIGHT = 1_000;

/** Idle-key memory of one subject. */
export interface MemoryFigures {
  readonly subject: string;
  readonly keys: number;
  /** `MEMORY USAGE … SAMPLES 0` summed over the subject's Redis keys, ÷ `keys`. */
  readonly bytesPerKey: number;
  /** `used_memory` after − before, ÷ `keys`. */
  readonly usedMemoryPerKey: number;
  /** Milliseconds to create the `keys` keys (NaN where not timed). */
  readonly setMs: number;
  /** Milliseconds to remove them again (NaN where not timed). */
  readonly removeMs: number;
  /** `MEMORY USAGE` left over the subject's Redis keys after they are removed. */
  readonly bytesLeft: number;
  readonly how: string;
}

/** Sums `MEMORY USAGE key SAMPLES 0` (exact, every element) over the keys that match `pattern`. */
export async function memoryOfKeys(redis: IORedis, pattern: string): Promise<{ bytes: number; keys: number }> {
  let bytes = 0;
  let keys = 0;
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    cursor = next;
    const usages = await Promise.all(found.map((key: string) => redis.memory('USAGE', key, 'SAMPLES', 0)));
    for (const usage of usages) bytes += Number(usage ?? 0);
    keys += found.length;
  } while (cursor !== '0');
  return { bytes, keys };
}

async function inBatches(count: number, call: (index: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < count; from += IN_FLIGHT) {
    const batch: Promise<unknown>[] = [];
    for (let i = from; i < Math.min(count, from + IN_FLIGHT); i++) batch.push(call(i));
    await Promise.all(batch);
  }
  return performance.now() - started;
}

async function workpoolMemory(context: RedisBenchContext, count: number): Promise<MemoryFigures> {
  const { module } = await loadRedisPoolModule();
  const redis = await createClient({ url: context.url }).connect();
  const pool = await module.createRedisPool<string>({ redis, name: 'memory', prefix: 'bench' });
  const pattern = '*{bench:memory}*';
  try {
    const base = await memoryOfKeys(context.admin, pattern);
    const before = await usedMemory(context.admin);
    const setMs = await inBatches(count, (i) => pool.set(`key-${i}`, 1));
    const after = await usedMemory(context.admin);
    const held = await memoryOfKeys(context.admin, pattern);
    const removeMs = await inBatches(count, (i) => pool.set(`key-${i}`, 0));
    const left = await memoryOfKeys(context.admin, pattern);
    return {
      subject: 'workpool (node-redis)',
      keys: count,
      bytesPerKey: (held.bytes - base.bytes) / count,
      usedMemoryPerKey: (after - before) / count,
      setMs,
      removeMs,
      bytesLeft: left.bytes - base.bytes,
      how: `\`set(key, 1)\` of each new key, then \`set(key, 0)\`; ${IN_FLIGHT} calls in flight at a time on one node-redis connection (it pipelines them)`,
    };
  } finally {
    await pool.stop();
    await redis.close();
  }
}

async function bottleneckMemory(context: RedisBenchContext, count: number): Promise<MemoryFigures> {
  const url = new URL(context.url);
  const group = new Bottleneck.Group({
    id: 'memory-bottleneck',
    maxConcurrent: 1,
    datastore: 'ioredis',
    clientOptions: { host: url.hostname, port: Number(url.port) },
  });
  const pattern = 'b_memory-bottleneck*';
  try {
    const before = await usedMemory(context.admin);
    const setMs = await inBatches(count, (i) => group.key(`key-${i}`).ready());
    const after = await usedMemory(context.admin);
    const held = await memoryOfKeys(context.admin, pattern);
    return {
      subject: 'bottleneck (Group)',
      keys: count,
      bytesPerKey: held.bytes / count,
      usedMemoryPerKey: (after - before) / count,
      setMs,
      removeMs: Number.NaN,
      bytesLeft: Number.NaN,
      how: `\`group.key(key).ready()\` of each new key (a limiter with \`maxConcurrent\` 1), ${IN_FLIGHT} at a time; removal is by a timeout (5 min by default)`,
    };
  } finally {
    await group.disconnect(false);
  }
}

async function semaphoreMemory(context: RedisBenchContext, count: number): Promise<MemoryFigures> {
  const url = new URL(context.url);
  const redis = new IORedis(Number(url.port), url.hostname);
  const pattern = 'semaphore:memory-semaphore*';
  try {
    const before = await usedMemory(context.admin);
    const setMs = await inBatches(count, async (i) => {
      const semaphore = new Semaphore(redis, `memory-semaphore:key-${i}`, 1);
      await semaphore.acquire();
      await semaphore.release();
    });
    const after = await usedMemory(context.admin);
    const held = await memoryOfKeys(context.admin, pattern);
    return {
      subject: 'redis-semaphore',
      keys: count,
      bytesPerKey: held.bytes / count,
      usedMemoryPerKey: (after - before) / count,
      setMs,
      removeMs: Number.NaN,
      bytesLeft: held.bytes,
      how: 'one `acquire()`→`release()` of a `Semaphore(key, 1)` per key; it stores no limit in Redis (each caller passes its own), and an empty sorted set is deleted',
    };
  } finally {
    await redis.quit();
  }
}

const bytes = (value: number) => (Number.isFinite(value) ? `${Math.round(value)} B` : '–');
const ms = (value: number) => (Number.isFinite(value) ? `${formatCount(value)} ms` : '–');

/**
 * Redis memory per idle key (a key with a target and no lease or waiter)
 * and the time to create and remove many keys. Runs in the benchmark's own
 * process, one subject after the other.
 */
export async function idleKeyMemory(
  context: RedisBenchContext,
  withWorkpool: boolean,
): Promise<{ section: Section; figures: MemoryFigures[] }> {
  const figures: MemoryFigures[] = [];
  if (withWorkpool) figures.push(await workpoolMemory(context, context.quick ? 10_000 : 100_000));
  figures.push(await semaphoreMemory(context, context.quick ? 1_000 : 10_000));
  figures.push(await bottleneckMemory(context, context.quick ? 500 : 2_000));
  return {
    figures,
    section: {
      title: 'Redis memory per idle key',
      note:
        'Bytes per idle key: `MEMORY USAGE key SAMPLES 0` summed over the Redis keys the subject created (by `SCAN MATCH` ' +
        'of its prefix), and the server’s `used_memory` delta, each ÷ the number of keys. "left" is what stays once the keys are removed.',
      columns: ['subject', 'keys', 'MEMORY USAGE / key', 'used_memory / key', 'create', 'remove', 'left', 'how'],
      rows: figures.map((f) => [
        f.subject,
        formatCount(f.keys),
        bytes(f.bytesPerKey),
        bytes(f.usedMemoryPerKey),
        ms(f.setMs),
        ms(f.removeMs),
        bytes(f.bytesLeft),
        f.how,
      ]),
    },
  };
}
