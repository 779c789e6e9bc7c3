import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createPool } from '../src/index.js';

describe('the Go doc example', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('a key with twice the target gets about twice the leases', async () => {
    const pool = createPool<'spam' | 'eggs'>();
    pool.set('spam', 2);
    pool.set('eggs', 1);
    const counts = { spam: 0, eggs: 0 };
    let running = true;
    const workers = Array.from({ length: 12 }, async () => {
      while (running) {
        const lease = await pool.acquire();
        counts[lease.key]++;
        await new Promise((resolve) => setTimeout(resolve, 10));
        lease.release();
      }
    });
    const finished = Promise.allSettled(workers);
    await vi.advanceTimersByTimeAsync(3_000);
    running = false;
    pool.stop();
    await vi.runAllTimersAsync();
    await finished;

    expect(counts.spam).toBeGreaterThan(counts.eggs);
    expect(counts.spam / counts.eggs).toBeCloseTo(2, 1);
  });
});
