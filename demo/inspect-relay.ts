// Node only: a relay between an app's `createWebSocketInspector` and the
// Stately inspector in a browser, like `@statelyai/inspect/server` but
// listening on loopback unless told otherwise.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { platform } from 'node:os';
import { WebSocket, WebSocketServer } from 'ws';
import { acceptsOrigin, reachableHost } from './relay-address.js';

/** Options of {@link startInspectRelay}. */
export interface InspectRelayOptions {
  /** The TCP port; 0 takes any free one. @default 8080 */
  readonly port?: number;
  /**
   * The address to listen on. Anyone who can reach it sees every key and
   * event of the inspected pool, so the default is loopback only.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /** The Stately inspector page that the relay's page embeds. @default 'https://stately.ai/inspect' */
  readonly inspectorUrl?: string;
  /** Open the relay's page in the default browser once it listens. @default false */
  readonly autoOpen?: boolean;
}

/** A running relay. */
export interface InspectRelay {
  /** The HTTP server the relay listens with; `server.address()` says where. */
  readonly server: Server;
  /** The page to open in a browser to watch. */
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
   * stops listening; a client that does not answer within a second is cut off.
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

/** How many messages other than actor registrations a new client is replayed. */
const RECENT_KEPT = 200;
/** How many actor registrations a new client is replayed. */
const ACTORS_KEPT = 1_000;

/**
 * The bridge page: it embeds the inspector and hands it what the relay
 * sends. It connects back to whatever host and port served it.
 */
function bridgePage(inspectorUrl: string): string {
  return `<!DOCTYPE html>
<html>
<head>
  <title>Stately Inspector: xstate-workpool</title>
  <style>* { margin: 0; padding: 0; } html, body { height: 100%; } iframe { width: 100%; height: 100%; border: none; }</style>
</head>
<body>
  <iframe id="inspector" src=${JSON.stringify(inspectorUrl)}></iframe>
  <script>
    const iframe = document.getElementById('inspector');
    const buffer = [];
    let connected = false;
    window.addEventListener('message', (e) => {
      if (e.data && e.data.type === '@statelyai.connected') {
        connected = true;
        for (const event of buffer.splice(0)) iframe.contentWindow.postMessage(event, '*');
      }
    });
    const ws = new WebSocket('ws://' + location.host);
    ws.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (connected) iframe.contentWindow.postMessage(data, '*');
      else buffer.push(data);
    };
  </script>
</body>
</html>`;
}

/** Opens `url` in the default browser; a missing opener is not an error. */
function openInBrowser(url: string): void {
  const os = platform();
  const [command, args] =
    os === 'darwin' ? ['open', [url]] : os === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(command, args, { detached: true, stdio: 'ignore' });
  child.on('error', () => {});
  child.unref();
}

/** The `type` of a JSON message, if it has one. */
function typeOf(message: string): unknown {
  try {
    return (JSON.parse(message) as { type?: unknown } | null)?.type;
  } catch {
    return undefined;
  }
}

/** Messages a client joining late is given: every actor registration kept, then the most recent others. */
class Replay {
  #actors: string[] = [];
  #recent: string[] = [];

  record(message: string): void {
    // Without the registrations a late inspector could not place any event.
    const list = typeOf(message) === '@xstate.actor' ? this.#actors : this.#recent;
    const cap = list === this.#actors ? ACTORS_KEPT : RECENT_KEPT;
    list.push(message);
    if (list.length > cap) list.shift();
  }

  messages(): string[] {
    return [...this.#actors, ...this.#recent];
  }
}

/** The relay could not listen where it was asked to; the message names the address and the cause. */
export class InspectRelayError extends Error {
  override name = 'InspectRelayError';
}

function validatePort(port: unknown): number {
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65_535) {
    throw new RangeError(`Expected \`port\` to be an integer from 0 to 65535, got ${String(port)}`);
  }
  return port as number;
}

/**
 * Starts the relay: every message a WebSocket client sends is passed to the
 * other clients, and a client that connects late is first replayed the
 * actor registrations and the recent messages. Browsers may connect only
 * from the relay's own page (see {@link acceptsOrigin}), so no other web
 * page can read the pool. Resolves once it listens.
 *
 * @throws {RangeError} if `port` is not an integer from 0 to 65535.
 * @throws {InspectRelayError} (as a rejection) if it cannot listen, for
 * example when the port is in use.
 */
export async function startInspectRelay(options: InspectRelayOptions = {}): Promise<InspectRelay> {
  const port = validatePort(options.port ?? 8080);
  const host = options.host ?? '127.0.0.1';
  const inspectorUrl = options.inspectorUrl ?? 'https://stately.ai/inspect';

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
      for (const client of sockets.clients) {
        if (client !== socket && client.readyState === WebSocket.OPEN) client.send(message);
      }
    });
  });

  const pageUrl = `http://${reachableHost(host)}:${actualPort}`;
  if (options.autoOpen) openInBrowser(pageUrl);

  return {
    server,
    pageUrl,
    socketUrl: `ws://${reachableHost(host)}:${actualPort}`,
    nextClient: () => new Promise<RelayClient>((resolve) => clientWaits.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
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
      }),
  };
}
