import { setImmediate as nextTurn } from 'node:timers/promises';

const gc = (globalThis as { gc?: () => void }).gc;

/** Collects garbage until the heap stops shrinking, letting finalizers run between passes, and returns heapUsed. */
export async function settledHeap(): Promise<number> {
  if (!gc) throw new Error('run with --expose-gc (npm run test:leaks)');
  let previous = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < 10; pass++) {
    gc();
    await nextTurn();
    const used = process.memoryUsage().heapUsed;
    if (used >= previous - 16 * 1024) return used;
    previous = used;
  }
  return previous;
}

/** One mebibyte, the growth the leak tests allow. */
export const MiB = 1024 * 1024;
