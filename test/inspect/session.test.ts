import { afterEach, describe, expect, test } from 'vitest';
import { createPool } from '../../src/index.js';
import { type InspectSession, startInspectSession } from '../../src/inspect/index.js';
import { actorNamed, type InspectMessage } from '../inspect-support.js';
import { Watcher } from './watcher.js';

let session: InspectSession | undefined;
const watchers: Watcher[] = [];

afterEach(async () => {
  for (const watcher of watchers.splice(0)) watcher.socket.close();
  await session?.close();
  session = undefined;
});

function watch(pageUrl: string): Watcher {
  const watcher = new Watcher(pageUrl.replace(/^http:/, 'ws:'));
  watchers.push(watcher);
  return watcher;
}

const releasesOf = (messages: readonly InspectMessage[]) =>
  messages.filter(
    (m) =>
      m.type === '@xstate.event' &&
      m.event?.type === 'lease.release' &&
      m.sessionId === actorNamed(messages, 'pool')?.sessionId,
  ).length;

describe('an inspect session', () => {
  test("registers a pool's actors even when the pool is busy before anyone watches", async () => {
    session = await startInspectSession({ port: 0 });
    const pool = createPool<string>({ inspect: session.inspect });
    pool.set('spam', 1);
    // Far more than the 200 messages an inspector keeps while its socket is not open yet.
    for (let i = 0; i < 300; i++) pool.tryAcquire()?.release();
    const late = watch(session.pageUrl);
    await late.opened();
    await late.until((m) => actorNamed(m, 'pool') !== undefined && actorNamed(m, 'group:spam') !== undefined);
    expect(actorNamed(late.messages, 'group:spam')?.parentId).toBe(actorNamed(late.messages, 'pool')?.sessionId);
    pool.stop();
  });

  test('close relays every event given to inspect before it', async () => {
    session = await startInspectSession({ port: 0 });
    const watcher = watch(session.pageUrl);
    await watcher.opened();
    const pool = createPool<string>({ inspect: session.inspect });
    pool.set('spam', 1);
    for (let i = 0; i < 50; i++) pool.tryAcquire()?.release();
    await session.close();
    await watcher.closed;
    expect(releasesOf(watcher.messages)).toBe(50);
    pool.stop();
  });

  test('serves its page on loopback by default', async () => {
    session = await startInspectSession({ port: 0, host: undefined });
    expect(new URL(session.pageUrl).hostname).toBe('127.0.0.1');
  });

  test('rejects an unknown option, naming it, before opening anything', async () => {
    await expect(startInspectSession({ port: 0, open: true } as never)).rejects.toThrow(/Unknown option `open`/);
  });
});
