import { getEventListeners } from 'node:events';
import { describe, expect, test } from 'vitest';
import { onAbort } from '../src/api/abort-listeners.js';
import { createPool } from '../src/index.js';
import { flush } from './support.js';

describe('onAbort', () => {
  test('many handlers on one signal add one listener, run once each in order, and leave none behind', () => {
    const controller = new AbortController();
    const ran: number[] = [];
    for (let i = 0; i < 100; i++) onAbort(controller.signal, () => ran.push(i));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    controller.signal.dispatchEvent(new Event('abort'));
    expect(ran).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  test('removing the last handler removes the listener; removing twice changes nothing', () => {
    const controller = new AbortController();
    const ran: string[] = [];
    const removeA = onAbort(controller.signal, () => ran.push('a'));
    const removeB = onAbort(controller.signal, () => ran.push('b'));
    removeA();
    removeA();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    removeB();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    onAbort(controller.signal, () => ran.push('c'));
    controller.abort();
    expect(ran).toEqual(['c']);
  });

  test('the same function added twice runs twice and is removed once per add', () => {
    const controller = new AbortController();
    let runs = 0;
    const handler = () => runs++;
    const removeFirst = onAbort(controller.signal, handler);
    onAbort(controller.signal, handler);
    removeFirst();
    controller.abort();
    expect(runs).toBe(1);
  });

  test('a handler that removes one not yet run skips it, and one that adds to another signal works', () => {
    const controller = new AbortController();
    const other = new AbortController();
    const ran: string[] = [];
    let removeLater = () => {};
    onAbort(controller.signal, () => {
      ran.push('first');
      removeLater();
      onAbort(other.signal, () => ran.push('other'));
    });
    removeLater = onAbort(controller.signal, () => ran.push('later'));
    controller.abort();
    other.abort();
    expect(ran).toEqual(['first', 'other']);
  });
});

describe('one shared signal across many calls', () => {
  test('a thousand leases() iterators waiting on one signal add one listener and no MaxListeners warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const pool = createPool<string>();
      const shutdown = new AbortController();
      const steps = Array.from({ length: 1_000 }, () =>
        pool
          .leases({ signal: shutdown.signal })
          .next()
          .catch((error: unknown) => error),
      );
      await flush();
      expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1);
      shutdown.abort(new Error('shutting down'));
      const ends = await Promise.all(steps);
      expect(ends.every((end) => end instanceof Error && end.message === 'shutting down')).toBe(true);
      expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
