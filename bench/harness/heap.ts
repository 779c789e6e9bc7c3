/** Whether the run can force garbage collection (`node --expose-gc`). */
export function canMeasureHeap(): boolean {
  return typeof globalThis.gc === 'function';
}

/** Heap used after full collections, with a turn of the event loop between them so that sweeping finishes. */
async function settledHeap(): Promise<number> {
  const gc = globalThis.gc as () => void;
  gc();
  await new Promise((resolve) => setTimeout(resolve, 5));
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Heap bytes per item that `build(count)` keeps alive: the heap after
 * minus before, both after full collections, divided by `count`. What
 * `build` returns is held until the second reading, then handed to
 * `dispose`. NaN without `--expose-gc`.
 */
export async function heapPerItem<T>(
  count: number,
  build: (count: number) => T,
  dispose: (held: T) => void | Promise<void>,
): Promise<number> {
  if (!canMeasureHeap()) return Number.NaN;
  const before = await settledHeap();
  const held = build(count);
  const after = await settledHeap();
  await dispose(held);
  return (after - before) / count;
}
