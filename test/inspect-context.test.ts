import { createInspector } from '@statelyai/inspect';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createPool } from '../src/index.js';
import { actorNamed, contextAfter, type InspectMessage } from './inspect-support.js';

/** A Stately inspector whose messages land, as JSON, in `messages`. */
function capturingInspector() {
  const messages: InspectMessage[] = [];
  const inspector = createInspector({ send: (message) => messages.push(JSON.parse(JSON.stringify(message))) });
  return { messages, inspect: inspector.inspect };
}

/** A pool of spam (target 2) and eggs (target 1) with four acquires, the last one waiting, then one release. */
async function runSpamAndEggs() {
  const { messages, inspect } = capturingInspector();
  const pool = createPool<string>({ inspect });
  pool.set('spam', 2);
  pool.set('eggs', 1);
  const first = await pool.acquire();
  await pool.acquire();
  await pool.acquire();
  const fourth = pool.acquire();
  first.release();
  await fourth;
  // The inspector converts events on a timer; let it run.
  await vi.runAllTimersAsync();
  const pool_ = actorNamed(messages, 'pool');
  if (!pool_) throw new Error('the inspector saw no pool actor');
  return { messages, poolSession: pool_.sessionId };
}

describe('what the Stately inspector receives', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('group actors are registered as children of the pool, named after their keys', async () => {
    const { messages, poolSession } = await runSpamAndEggs();
    expect(actorNamed(messages, 'pool')?.parentId).toBeUndefined();
    expect(actorNamed(messages, 'group:spam')?.parentId).toBe(poolSession);
    expect(actorNamed(messages, 'group:eggs')?.parentId).toBe(poolSession);
  });

  test('pool snapshots show the counts of their own event, not of a later moment', async () => {
    const { messages, poolSession } = await runSpamAndEggs();
    const request = (id: number) => (e: { type: string; requestId?: unknown }) =>
      e.type === 'lease.request' && e.requestId === id;
    expect(contextAfter(messages, poolSession, request(1))).toMatchObject({
      leases: { out: 1 },
      waiters: { waiting: 0 },
    });
    expect(contextAfter(messages, poolSession, request(4))).toMatchObject({
      leases: { out: 3 },
      waiters: { waiting: 1 },
    });
    expect(contextAfter(messages, poolSession, (e) => e.type === 'lease.release')).toMatchObject({
      leases: { out: 3 },
      waiters: { waiting: 0 },
    });
  });

  test('the pool context lists its groups by id and count', async () => {
    const { messages, poolSession } = await runSpamAndEggs();
    const afterEggs = contextAfter(messages, poolSession, (e) => e.type === 'target.set' && e.key === 'eggs');
    expect(afterEggs?.groups).toEqual({ count: 2, groups: ['group:spam', 'group:eggs'] });
    expect(afterEggs?.ready).toEqual(['group:spam', 'group:eggs']);
  });

  test('no part of the pool context serialises to an empty object', async () => {
    const { messages, poolSession } = await runSpamAndEggs();
    const context = contextAfter(messages, poolSession, (e) => e.type === 'lease.release') ?? {};
    expect(Object.keys(context).sort()).toEqual(['groups', 'leases', 'outlet', 'ready', 'retired', 'waiters']);
    for (const part of Object.values(context)) expect(part).not.toEqual({});
  });

  test('group snapshots carry the key, target and active count', async () => {
    const { messages } = await runSpamAndEggs();
    const spam = actorNamed(messages, 'group:spam')?.sessionId ?? '';
    expect(contextAfter(messages, spam, (e) => e.type === 'lease.grant')).toEqual({
      key: 'spam',
      target: 2,
      active: 1,
    });
  });

  test('events sent to the pool carry their key and target', async () => {
    const { messages, poolSession } = await runSpamAndEggs();
    const sets = messages.filter(
      (m) => m.type === '@xstate.event' && m.sessionId === poolSession && m.event?.type === 'target.set',
    );
    expect(sets.map((m) => m.event)).toEqual([
      { type: 'target.set', key: 'spam', target: 2 },
      { type: 'target.set', key: 'eggs', target: 1 },
    ]);
  });
});
