import type { AddressInfo } from 'node:net';
import { createWebSocketInspector } from '@statelyai/inspect';
import { afterEach, describe, expect, test } from 'vitest';
import { createPool } from '../../src/index.js';
import { type InspectRelay, InspectRelayError, startInspectRelay } from '../../src/inspect/index.js';
import { actorNamed, type InspectMessage, type PoolContextSummary } from '../inspect-support.js';
import { Watcher } from './watcher.js';

const opened: Array<{ close(): unknown }> = [];
let relay: InspectRelay | undefined;

async function startRelay(): Promise<InspectRelay> {
  relay = await startInspectRelay({ port: 0, autoOpen: false });
  return relay;
}

function listen(url: string, options?: { origin: string }): Watcher {
  const listener = new Watcher(url, options);
  opened.push(listener.socket);
  return listener;
}

afterEach(async () => {
  for (const thing of opened.splice(0)) thing.close();
  await relay?.close();
  relay = undefined;
});

/**
 * Runs spam (target 2) and eggs (target 1) through the relay: three leases
 * out and one waiter, then one release that hands its capacity on, then
 * every release; then `cycles` more leases, each released at once.
 */
async function runPoolThrough(relay: InspectRelay, cycles = 0) {
  const connected = relay.nextClient();
  const inspector = createWebSocketInspector({ url: relay.socketUrl });
  opened.push({ close: () => inspector.stop() });
  await connected;
  const pool = createPool<string>({ inspect: inspector.inspect });
  pool.set('spam', 2);
  pool.set('eggs', 1);
  const leases = [await pool.acquire(), await pool.acquire(), await pool.acquire()];
  const waiting = pool.acquire();
  leases[0]?.release();
  const handedOn = await waiting;
  for (const lease of [...leases, handedOn]) lease.release();
  for (let i = 0; i < cycles; i++) (await pool.acquire()).release();
}

const hasPoolAndGroups = (messages: readonly InspectMessage[]) =>
  ['pool', 'group:spam', 'group:eggs'].every((name) => actorNamed(messages, name));

const sawEvent = (type: string) => (messages: readonly InspectMessage[]) =>
  messages.some((m) => m.type === '@xstate.snapshot' && m.event?.type === type);

describe('the inspect relay', () => {
  test('listens on loopback only by default', async () => {
    const { server } = await startRelay();
    expect((server.address() as AddressInfo).address).toBe('127.0.0.1');
  });

  test('gives loopback URLs for the page and the socket', async () => {
    const { server, pageUrl, socketUrl } = await startRelay();
    const { port } = server.address() as AddressInfo;
    expect(pageUrl).toBe(`http://127.0.0.1:${port}`);
    expect(socketUrl).toBe(`ws://127.0.0.1:${port}`);
  });

  test('relays the pool actor, a group actor per key, target.set events and snapshots with counts', async () => {
    const started = await startRelay();
    const watcher = listen(started.socketUrl);
    await watcher.opened();
    await runPoolThrough(started);
    await watcher.until((m) => hasPoolAndGroups(m) && sawEvent('lease.release')(m));

    const messages = watcher.messages;
    const pool = actorNamed(messages, 'pool');
    expect(actorNamed(messages, 'group:spam')?.parentId).toBe(pool?.sessionId);
    expect(actorNamed(messages, 'group:eggs')?.parentId).toBe(pool?.sessionId);

    const setEvents = messages.filter((m) => m.type === '@xstate.event' && m.event?.type === 'target.set');
    expect(setEvents.map((m) => m.event)).toEqual([
      { type: 'target.set', key: 'spam', target: 2 },
      { type: 'target.set', key: 'eggs', target: 1 },
    ]);

    const poolSnapshots = messages.filter((m) => m.type === '@xstate.snapshot' && m.sessionId === pool?.sessionId);
    const lastRequest = poolSnapshots.find((m) => m.event?.type === 'lease.request' && m.event.requestId === 4);
    expect(lastRequest?.snapshot?.context as unknown as PoolContextSummary).toMatchObject({
      groups: { count: 2, groups: ['group:spam', 'group:eggs'] },
      leases: { out: 3 },
      waiters: { waiting: 1 },
    });

    const spam = actorNamed(messages, 'group:spam')?.sessionId;
    const spamCounts = messages
      .filter((m) => m.type === '@xstate.snapshot' && m.sessionId === spam)
      .map((m) => m.snapshot?.context);
    expect(spamCounts).toContainEqual({ key: 'spam', target: 2, active: 2 });
  });

  test('replays the actor registrations to a client that connects after many other messages', async () => {
    const started = await startRelay();
    const first = listen(started.socketUrl);
    await first.opened();
    await runPoolThrough(started, 100);
    const releases = (m: readonly InspectMessage[]) =>
      m.filter(
        (x) =>
          x.type === '@xstate.event' &&
          x.event?.type === 'lease.release' &&
          x.sessionId === actorNamed(m, 'pool')?.sessionId,
      );
    await first.until((m) => hasPoolAndGroups(m) && releases(m).length === 104);
    const last = JSON.stringify(first.messages.at(-1));

    const late = listen(started.socketUrl);
    await late.opened();
    await late.until((m) => m.some((x) => JSON.stringify(x) === last));
    expect(late.messages.length).toBeLessThan(first.messages.length);
    expect(actorNamed(late.messages, 'group:eggs')?.parentId).toBe(actorNamed(late.messages, 'pool')?.sessionId);
    expect(actorNamed(late.messages, 'group:spam')).toBeDefined();
  });

  test('listens on the loopback address it is given', async () => {
    relay = await startInspectRelay({ port: 0, host: '127.0.0.2', autoOpen: false });
    const { address, port } = relay.server.address() as AddressInfo;
    expect(address).toBe('127.0.0.2');
    expect(relay.socketUrl).toBe(`ws://127.0.0.2:${port}`);
  });

  test('refuses a browser connection from another web page', async () => {
    const { socketUrl } = await startRelay();
    const stranger = listen(socketUrl, { origin: 'https://evil.example' });
    await expect(stranger.opened()).rejects.toThrow(/401/);
  });

  test('accepts a browser connection from its own page', async () => {
    const { socketUrl, pageUrl } = await startRelay();
    const page = listen(socketUrl, { origin: pageUrl });
    await expect(page.opened()).resolves.toBeUndefined();
  });

  test('serves a page that embeds the inspector and connects back to the relay', async () => {
    const { pageUrl } = await startRelay();
    const html = await (await fetch(pageUrl)).text();
    expect(html).toContain('src="https://stately.ai/inspect"');
    expect(html).toContain("new WebSocket('ws://' + location.host)");
  });

  test('rejects a port out of range, naming it', async () => {
    await expect(startInspectRelay({ port: 70_000 })).rejects.toThrow(/`port`.*70000/);
  });

  test('rejects a fractional port, naming it', async () => {
    await expect(startInspectRelay({ port: 80.5 })).rejects.toThrow(/`port`.*80\.5/);
  });

  test('rejects when the port is taken, naming the address', async () => {
    const { server } = await startRelay();
    const { port } = server.address() as AddressInfo;
    const taken = startInspectRelay({ port });
    await expect(taken).rejects.toThrow(InspectRelayError);
    await expect(taken).rejects.toThrow(`127.0.0.1:${port}`);
  });

  test('takes an explicit undefined as an absent option', async () => {
    relay = await startInspectRelay({ port: 0, host: undefined, autoOpen: undefined, inspectorUrl: undefined });
    expect((relay.server.address() as AddressInfo).address).toBe('127.0.0.1');
    expect(await (await fetch(relay.pageUrl)).text()).toContain('src="https://stately.ai/inspect"');
  });

  test('rejects an unknown option, naming it', async () => {
    await expect(startInspectRelay({ port: 0, open: true } as never)).rejects.toThrow(/Unknown option `open`/);
  });

  test('rejects a host that is not a string, naming it', async () => {
    await expect(startInspectRelay({ port: 0, host: 8080 } as never)).rejects.toThrow(/`host`.*number/);
  });
});
