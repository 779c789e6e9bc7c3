// Node only: a relay between an app's `createWebSocketInspector` and the
// Stately inspector in a browser, like `@statelyai/inspect/server` but
// listening on loopback unless told otherwise and opening no browser unless
// asked.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { got } from '../api/describe-value.js';
import { assertOptions } from '../api/validate.js';
import { bridgePage } from './bridge-page.js';
import { InspectRelayError } from './errors.js';
import { openInBrowser } from './open-in-browser.js';
import { importPeer } from './optional-peer.js';
import type { InspectRelayOptions } from './options.js';
import { acceptsOrigin, reachableHost } from './relay-address.js';
import { Replay } from './replay.js';

/** A running relay, from {@link startInspectRelay}. */
export interface InspectRelay {
  /** The HTTP server the relay listens with; `server.address()` says where. */
  readonly server: Server;
  /** The page to open in a browser to watch: it embeds the inspector and feeds it what the relay relays. */
  readonly pageUrl: string;
  /** The URL to give `createWebSocketInspector({ url })`. */
  readonly socketUrl: string;
  /**
   * Resolves when the next WebSocket client has connected and its socket is
   * open on its side too. An app awaits it after creating its inspector and
   * before its actors start: until its socket opens, the inspector keeps
   * only its last 200 messages and would drop the actor registrations.
   */
  nextClient(): Promise<RelayClient>;
  /**
   * Closes every client's socket, after what was already sent to it, and
   * stops listening; a client that does not answer within a second is cut
   * off. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

/** A client connected to the relay. */
export interface RelayClient {
  /** Resolves when its socket has closed; every message it sent has been relayed by then. */
  readonly closed: Promise<void>;
}

/** How long `close()` waits for clients to answer before cutting them off, in milliseconds. */
const CLOSE_GRACE_MS = 1_000;

/** The names of {@link InspectRelayOptions}, for the unknown-option check. */
export const relayOptionNames = ['port', 'host', 'autoOpen', 'inspectorUrl'] as const;

/** The relay's options with the defaults filled in. */
interface RelaySettings {
  readonly port: number;
  readonly host: string;
  readonly autoOpen: boolean;
  readonly inspectorUrl: string;
}

/** Reads the relay's options, an explicit `undefined` as absent; throws naming a bad one. */
function readOptions(options: unknown): RelaySettings {
  assertOptions(options, 'startInspectRelay', relayOptionNames);
  const port = options?.port ?? 8080;
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65_535) {
    throw new RangeError(`Expected \`port\` to be an integer from 0 to 65535, ${got(port)}`);
  }
  const host = options?.host ?? '127.0.0.1';
  if (typeof host !== 'string') throw new TypeError(`Expected \`host\` to be a string, ${got(host)}`);
  const autoOpen = options?.autoOpen ?? false;
  if (typeof autoOpen !== 'boolean') throw new TypeError(`Expected \`autoOpen\` to be a boolean, ${got(autoOpen)}`);
  const inspectorUrl = options?.inspectorUrl ?? 'https://stately.ai/inspect';
  if (typeof inspectorUrl !== 'string') {
    throw new TypeError(`Expected \`inspectorUrl\` to be a string, ${got(inspectorUrl)}`);
  }
  return { port: port as number, host, autoOpen, inspectorUrl };
}

/**
 * Starts a WebSocket relay for `@statelyai/inspect`: every message a
 * client sends (an app's `createWebSocketInspector`) is passed to the other
 * clients (the relay's page, at `pageUrl`), and a client that connects late
 * is first replayed the actor registrations and the recent messages.
 *
 * It listens on 127.0.0.1 unless `host` says otherwise: whoever reaches it
 * sees every key, event and context of the inspected actors. Browsers may
 * connect only from the relay's own page, so no other web page (nor one
 * that rebinds its DNS name to 127.0.0.1) can read them. It opens no
 * browser unless `autoOpen` is true. Needs the optional peer `ws`.
 *
 * Resolves once it listens. Rejects with a `RangeError` or `TypeError`
 * naming a bad option, an {@link InspectRelayError} naming the address if
 * it cannot listen there (the port is taken, say), or an `Error` if `ws` is
 * not installed; nothing is left open then.
 */
export async function startInspectRelay(options?: InspectRelayOptions): Promise<InspectRelay> {
  const { port, host, autoOpen, inspectorUrl } = readOptions(options);
  const { WebSocket, WebSocketServer } = await importPeer(() => import('ws'), 'ws', 'startInspectRelay');

  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(bridgePage(inspectorUrl));
  });

  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error) =>
      reject(new InspectRelayError(`The inspect relay cannot listen on ${host}:${port}: ${error.message}`));
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });

  const actualPort = (server.address() as AddressInfo).port;
  const replay = new Replay();
  const clientWaits: Array<(client: RelayClient) => void> = [];
  const sockets = new WebSocketServer({
    server,
    verifyClient: ({ req }: { req: IncomingMessage }) => acceptsOrigin(req.headers, host, actualPort),
  });
  sockets.on('connection', (socket) => {
    for (const message of replay.messages()) socket.send(message);
    // A client answers a ping only after its own 'open' has run, so this is
    // when an inspector stops holding back (and dropping) its messages.
    const waiting = clientWaits.splice(0);
    const client: RelayClient = { closed: new Promise((resolve) => socket.once('close', () => resolve())) };
    socket.once('pong', () => {
      for (const wake of waiting) wake(client);
    });
    socket.ping();
    socket.on('message', (data) => {
      const message = data.toString();
      replay.record(message);
      for (const other of sockets.clients) {
        if (other !== socket && other.readyState === WebSocket.OPEN) other.send(message);
      }
    });
  });

  const pageUrl = `http://${reachableHost(host)}:${actualPort}`;
  if (autoOpen) openInBrowser(pageUrl);

  let closing: Promise<void> | undefined;
  return {
    server,
    pageUrl,
    socketUrl: `ws://${reachableHost(host)}:${actualPort}`,
    nextClient: () => new Promise<RelayClient>((resolve) => clientWaits.push(resolve)),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const client of sockets.clients) client.close(1001, 'The relay is stopping');
        const cutOff = setTimeout(() => {
          for (const client of sockets.clients) client.terminate();
        }, CLOSE_GRACE_MS);
        sockets.close();
        server.close(() => {
          clearTimeout(cutOff);
          resolve();
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
