import type { InspectObserver } from '../api/options.js';
import { assertOptions } from '../api/validate.js';
import { relayOptionNames, startInspectRelay } from './inspect-relay.js';
import { openInBrowser } from './open-in-browser.js';
import { importPeer } from './optional-peer.js';
import type { InspectSessionOptions } from './options.js';

/** A relay with an inspector connected to it, from {@link startInspectSession}. */
export interface InspectSession {
  /** The observer to give `createPool({ inspect })` (or `createRedisPool`, or XState's `createActor`). */
  readonly inspect: InspectObserver;
  /** The page to open in a browser to watch. */
  readonly pageUrl: string;
  /**
   * Sends what the inspector still holds, disconnects it and stops the
   * relay; resolves when all of that is done, every event given to
   * `inspect` before the call relayed. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

/**
 * Starts a relay (as {@link startInspectRelay}, on 127.0.0.1 unless `host`
 * says otherwise) and connects a `createWebSocketInspector` of
 * `@statelyai/inspect` to it. Resolves once the inspector's socket is open,
 * so nothing given to `inspect` from then on can be dropped: a pool created
 * next has its actors registered however busy it is before a page opens.
 * Needs the optional peers `ws` and `@statelyai/inspect`.
 *
 * Rejects as {@link startInspectRelay} does, or with an `Error` naming a
 * missing peer; nothing is left open then.
 */
export async function startInspectSession(options?: InspectSessionOptions): Promise<InspectSession> {
  const raw: unknown = options;
  assertOptions(raw, 'startInspectSession', relayOptionNames);
  const { createWebSocketInspector } = await importPeer(
    () => import('@statelyai/inspect'),
    '@statelyai/inspect',
    'startInspectSession',
  );
  // The page is opened below, once the inspector is connected, so it cannot be taken for it.
  const relay = await startInspectRelay({ ...options, autoOpen: false });
  const connected = relay.nextClient();
  const inspector = createWebSocketInspector({ url: relay.socketUrl });
  const client = await connected;
  if (options?.autoOpen) openInBrowser(relay.pageUrl);
  let closing: Promise<void> | undefined;
  return {
    inspect: inspector.inspect,
    pageUrl: relay.pageUrl,
    close() {
      closing ??= (async () => {
        // The inspector converts each event on a 0 ms timer; timers run in
        // the order they were set, so after this one every event has been sent.
        await new Promise((resolve) => setTimeout(resolve, 0));
        inspector.stop();
        await client.closed;
        await relay.close();
      })();
      return closing;
    },
  };
}
