import { Sema } from 'async-sema';
import Bottleneck from 'bottleneck';
import pLimit from 'p-limit';
import PQueue from 'p-queue';
import { formatBytes } from '../harness/format.js';
import { canMeasureHeap, heapPerItem } from '../harness/heap.js';
import type { BenchSettings, ScenarioOutput } from '../harness/settings.js';
import { median } from '../harness/stats.js';

const noop = () => {};

/**
 * Scenario 5: heap bytes per idle key and per pending waiter
 * (`--expose-gc`). Key strings are made
 * before the first reading, so they are not counted; the array holding
 * the waiters' promises is.
 */
export async function heapFigures(settings: BenchSettings): Promise<ScenarioOutput> {
  const count = Math.round(30_000 * settings.scale);
  const keys = Array.from({ length: count }, (_, i) => `key-${i}`);
  const { createPool } = settings.pool;

  /** The median of `reps` readings; forced full collections of a large heap are what makes this scenario slow. */
  const measure = async <T>(build: (n: number) => T, dispose: (held: T) => void | Promise<void>, reps = 1) => {
    const runs: number[] = [];
    for (let i = 0; i < reps; i++) runs.push(await heapPerItem(count, build, dispose));
    return median(runs);
  };

  const idleKey = {
    pool: await measure(
      () => {
        const pool = createPool<string>();
        for (const key of keys) pool.set(key, 1);
        return pool;
      },
      (pool) => pool.stop(),
      3,
    ),
    semaMap: await measure(
      () => new Map(keys.map((key) => [key, new Sema(1)])),
      (map) => map.clear(),
    ),
    bottleneck: await measure(
      () => {
        const group = new Bottleneck.Group({ maxConcurrent: 1 });
        for (const key of keys) group.key(key);
        return group;
      },
      // Not deleteKey() per key: it takes ~1 ms a key here, minutes for the whole run.
      (group) => group.disconnect(false),
    ),
  };

  const waiter = {
    pool: await measure(
      (n) => {
        const pool = createPool<string>();
        pool.set('key', 1);
        const held = pool.tryAcquire();
        const pending = Array.from({ length: n }, () => pool.acquire());
        return { pool, held, pending };
      },
      ({ pool, pending }) => {
        for (const promise of pending) promise.catch(noop);
        pool.stop();
      },
      3,
    ),
    sema: await measure((n) => {
      const sema = new Sema(1);
      void sema.acquire();
      return Array.from({ length: n }, () => sema.acquire());
    }, noop),
    pLimit: await measure(
      (n) => {
        const limit = pLimit(1);
        void limit(() => new Promise(noop));
        return { limit, pending: Array.from({ length: n }, () => limit(noop)) };
      },
      ({ limit }) => limit.clearQueue(),
    ),
    pQueue: await measure(
      (n) => {
        const queue = new PQueue({ concurrency: 1 });
        void queue.add(() => new Promise(noop));
        return { queue, pending: Array.from({ length: n }, () => queue.add(noop)) };
      },
      ({ queue }) => queue.clear(),
    ),
  };

  const note = canMeasureHeap()
    ? `Heap used after minus before, after forced GC, ÷ ${count.toLocaleString('en-US')}; the pool's figures are the median of 3 readings, the peers' one reading.`
    : 'Not measured: run with `node --expose-gc` (as `npm run bench` does).';
  return {
    sections: [
      {
        title: '5. Heap per idle key and per pending waiter',
        note,
        columns: ['subject', 'per idle key', 'per pending waiter'],
        rows: [
          ['**xstate-workpool**', formatBytes(idleKey.pool), formatBytes(waiter.pool)],
          ['async-sema (`Map` of `Sema(1)` / one `Sema`)', formatBytes(idleKey.semaMap), formatBytes(waiter.sema)],
          ['Bottleneck.Group (limiter per key)', formatBytes(idleKey.bottleneck), '–'],
          ['p-limit(1)', '–', formatBytes(waiter.pLimit)],
          ['p-queue concurrency 1', '–', formatBytes(waiter.pQueue)],
        ],
      },
    ],
    figures: { heapPerIdleKey: idleKey.pool, heapPerWaiter: waiter.pool },
  };
}
