import { createWebSocketInspector } from '@statelyai/inspect';
import type { InspectObserver } from '../src/index.js';
import { startInspectRelay } from './inspect-relay.js';

/** A relay with the demo's inspector connected to it. */
export interface InspectSession {
  /** The observer to give `createPool({ inspect })`. */
  readonly inspect: InspectObserver;
  /** The page to open to watch. */
  readonly pageUrl: string;
  /** Disconnects the inspector and stops the relay. */
  close(): Promise<void>;
}

/**
 * Starts the relay on `host`:`port` and connects a `createWebSocketInspector`
 * to it. Resolves once the inspector's socket is open, so no message of
 * the pool created next is dropped.
 */
export async function startInspectSession(options: {
  readonly port: number;
  readonly host: string;
  readonly open: boolean;
}): Promise<InspectSession> {
  const relay = await startInspectRelay({ port: options.port, host: options.host, autoOpen: options.open });
  const connected = relay.nextClient();
  const inspector = createWebSocketInspector({ url: relay.socketUrl });
  const client = await connected;
  return {
    inspect: inspector.inspect,
    pageUrl: relay.pageUrl,
    async close() {
      // The inspector converts each event on a 0 ms timer; timers run in
      // the order they were set, so after this one every event has been sent.
      await new Promise((resolve) => setTimeout(resolve, 0));
      inspector.stop();
      await client.closed;
      await relay.close();
    },
  };
}
