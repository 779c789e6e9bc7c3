import { afterEach, describe, expect, test, vi } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { pinSnapshot } from '../src/api/inspect-snapshot.js';
import { createPool } from '../src/index.js';

describe('the inspect guard', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  test('an observer error goes to reportError where the platform has one, not to the console', () => {
    const reported: unknown[] = [];
    vi.stubGlobal('reportError', (error: unknown) => reported.push(error));
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failure = new Error('observer broke');
    const pool = createPool<string>({
      inspect: () => {
        throw failure;
      },
    });
    pool.set('k', 1);
    expect(reported.length).toBeGreaterThan(0);
    expect(reported.every((error) => error === failure)).toBe(true);
    expect(consoleError).not.toHaveBeenCalled();
    expect(pool.get('k')).toEqual({ target: 1, active: 0 });
  });

  test('an observer object receives the events through its next method', () => {
    const types: string[] = [];
    const pool = createPool<string>({ inspect: { next: (event: InspectionEvent) => types.push(event.type) } });
    pool.set('k', 1);
    expect(types).toContain('@xstate.snapshot');
    expect(types).toContain('@xstate.event');
  });
});

describe('pinning pool snapshots for inspectors', () => {
  const actorRef = {} as InspectionEvent['actorRef'];

  test('events that are not snapshots pass through as they are', () => {
    const event = { type: '@xstate.event', actorRef, event: { type: 'x' } } as unknown as InspectionEvent;
    expect(pinSnapshot(event)).toBe(event);
  });

  test('a snapshot whose context has no serialisable part passes through as it is', () => {
    const event = {
      type: '@xstate.snapshot',
      actorRef,
      snapshot: { context: { key: 'k', target: 1, active: 0 } },
    } as unknown as InspectionEvent;
    expect(pinSnapshot(event)).toBe(event);
  });

  test('a snapshot without a context object passes through as it is', () => {
    const event = { type: '@xstate.snapshot', actorRef, snapshot: { context: null } } as unknown as InspectionEvent;
    expect(pinSnapshot(event)).toBe(event);
  });

  test('serialisable parts are replaced by a copy of their summary now; other parts and fields are kept', () => {
    let count = 1;
    const part = { toJSON: () => ({ count }) };
    const snapshot = { value: 'running', status: 'active', context: { part, plain: 7 } };
    const event = { type: '@xstate.snapshot', actorRef, snapshot } as unknown as InspectionEvent;
    const pinned = pinSnapshot(event) as unknown as { snapshot: typeof snapshot; actorRef: unknown };
    count = 2;
    expect(pinned.snapshot.context).toEqual({ part: { count: 1 }, plain: 7 });
    expect(pinned.snapshot.value).toBe('running');
    expect(pinned.actorRef).toBe(actorRef);
    expect(snapshot.context.part).toBe(part);
  });
});
