import { describe, expect, test } from 'vitest';
import { createPool, type Pool } from '../../src/index.js';
import { MiB, settledHeap } from './heap.js';

async function cycles(pool: Pool<string>, total: number, workers: number): Promise<void> {
  let left = total;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (left-- > 0) {
        const lease = await pool.acquire();
        await null;
        lease.release();
      }
    }),
  );
}

function churnKeys(pool: Pool<unknown>, count: number): void {
  for (let i = 0; i < count; i++) pool.set(i % 2 === 0 ? i : { i }, 1);
  for (const key of pool.keys()) pool.set(key, 0);
}

// An explicit reason: abort() without one makes a DOMException, whose internals Node keeps in a WeakMap that only
// grows its table; that is Node's memory, not the pool's.
const reason = new Error('aborted');

async function abortedWaiters(pool: Pool<unknown>, count: number): Promise<void> {
  for (let batch = 0; batch < count; batch += 1_000) {
    const rejections: Promise<unknown>[] = [];
    for (let i = batch; i < batch + 1_000; i++) {
      const controller = new AbortController();
      const options = i % 2 === 0 ? { signal: controller.signal } : { key: i, signal: controller.signal };
      rejections.push(pool.acquire(options).catch(() => {}));
      controller.abort(reason);
    }
    await Promise.all(rejections);
  }
}

describe('no leaks', () => {
  test('a million acquire→release cycles leave the heap within 1 MiB of where it started', async () => {
    const pool = createPool<string>();
    pool.set('k', 4);
    await cycles(pool, 20_000, 16);
    const before = await settledHeap();
    await cycles(pool, 1_000_000, 16);
    const after = await settledHeap();
    console.info(`heap growth: ${after - before} bytes`);
    expect(after - before).toBeLessThan(MiB);
    expect(pool.get('k')).toEqual({ target: 4, active: 0 });
  });

  test('a hundred thousand keys set and removed leave the heap within 1 MiB of where it started', async () => {
    const pool = createPool<unknown>();
    churnKeys(pool, 2_000);
    const before = await settledHeap();
    churnKeys(pool, 100_000);
    const after = await settledHeap();
    expect(pool.keys()).toEqual([]);
    console.info(`heap growth: ${after - before} bytes`);
    expect(after - before).toBeLessThan(MiB);
  });

  test('a hundred thousand aborted waiters leave the heap within 1 MiB of where it started', async () => {
    const pool = createPool<unknown>();
    await abortedWaiters(pool, 2_000);
    const before = await settledHeap();
    await abortedWaiters(pool, 100_000);
    const after = await settledHeap();
    expect(pool.actor.getSnapshot().context.waiters.size).toBe(0);
    console.info(`heap growth: ${after - before} bytes`);
    expect(after - before).toBeLessThan(MiB);
  });

  test('removed groups’ actors are stopped and become unreachable', async () => {
    const pool = createPool<number>();
    let collected = 0;
    const registry = new FinalizationRegistry(() => {
      collected++;
    });
    const count = 1_000;
    const stopped: string[] = [];
    for (let key = 0; key < count; key++) {
      pool.set(key, 1);
      const ref = pool.actor.getSnapshot().context.groups.get(key)?.ref;
      if (!ref) throw new Error('group not created');
      registry.register(ref, key);
      ref.subscribe({ complete: () => stopped.push(ref.id) });
    }
    for (let key = 0; key < count; key++) pool.set(key, 0);
    expect(pool.keys()).toEqual([]);
    for (let round = 0; round < 20 && collected < count; round++) await settledHeap();
    expect(collected).toBe(count);
  });

  test('a stopped pool that is still held lets go of its closed groups’ actors', async () => {
    let collected = 0;
    const registry = new FinalizationRegistry(() => {
      collected++;
    });
    const pool = createPool<number>();
    // In a function of its own, so that no loop variable of this frame keeps the last group reachable.
    (() => {
      for (let key = 0; key < 100; key++) pool.set(key, 1);
      for (const entry of pool.actor.getSnapshot().context.groups.values()) registry.register(entry.ref, entry.key);
    })();
    pool.stop();
    for (let round = 0; round < 20 && collected < 100; round++) await settledHeap();
    expect(pool.stopped).toBe(true);
    expect(collected).toBe(100);
  });

  test('a stopped pool and its group actors become unreachable', async () => {
    let collected = 0;
    const registry = new FinalizationRegistry(() => {
      collected++;
    });
    (() => {
      const pool = createPool<number>();
      for (let key = 0; key < 100; key++) pool.set(key, 2);
      pool.tryAcquire()?.release();
      registry.register(pool.actor, 'pool');
      for (const entry of pool.actor.getSnapshot().context.groups.values()) registry.register(entry.ref, entry.key);
      pool.stop();
    })();
    for (let round = 0; round < 20 && collected < 101; round++) await settledHeap();
    expect(collected).toBe(101);
  });
});
