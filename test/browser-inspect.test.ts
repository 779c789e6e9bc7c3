import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebSocketInspector } from '@statelyai/inspect';
import { expect, test } from 'vitest';
import { createPool } from '../src/index.js';
import { startInspectRelay } from '../src/inspect/index.js';
import { browserTestsRun, withChromium } from './browser-support.js';
import { actorNamed, type InspectMessage } from './inspect-support.js';

/**
 * A stand-in for the Stately inspector page, served on loopback: it says
 * it is connected, as the real one does, and keeps what it is posted in
 * `window.received`.
 */
async function serveStandInInspector() {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html' });
    response.end(`<!doctype html><title>stand-in inspector</title><script>
      window.received = [];
      window.addEventListener('message', (event) => window.received.push(event.data));
      window.parent.postMessage({ type: '@statelyai.connected' }, '*');
    </script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Received = { received: InspectMessage[] };

test.skipIf(!browserTestsRun)(
  "the relay's page hands the pool, its group actors and their events to the inspector it embeds",
  async () => {
    const standIn = await serveStandInInspector();
    const relay = await startInspectRelay({ port: 0, inspectorUrl: standIn.url });
    try {
      const received = await withChromium(async (context) => {
        const page = await context.newPage();
        const pageConnected = relay.nextClient();
        await page.goto(relay.pageUrl);
        await pageConnected;

        const inspectorConnected = relay.nextClient();
        const inspector = createWebSocketInspector({ url: relay.socketUrl });
        await inspectorConnected;
        const pool = createPool<string>({ inspect: inspector.inspect });
        pool.set('spam', 2);
        pool.set('eggs', 1);
        (await pool.acquire()).release();

        const frame = page.frames().find((f) => f.url() === standIn.url);
        if (!frame) throw new Error(`no frame of ${standIn.url} in the relay's page`);
        await frame.waitForFunction(() =>
          (window as unknown as Received).received.some(
            (m) => m.type === '@xstate.snapshot' && m.event?.type === 'lease.release',
          ),
        );
        inspector.stop();
        return frame.evaluate(() => (window as unknown as Received).received);
      });

      const pool = actorNamed(received, 'pool');
      expect(pool).toBeDefined();
      expect(actorNamed(received, 'group:spam')?.parentId).toBe(pool?.sessionId);
      expect(actorNamed(received, 'group:eggs')?.parentId).toBe(pool?.sessionId);
      expect(received.filter((m) => m.type === '@xstate.event' && m.event?.type === 'target.set').length).toBe(2);
    } finally {
      await relay.close();
      await standIn.close();
    }
  },
);
