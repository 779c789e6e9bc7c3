/** Where the inspect relay listens, and which browser pages may read from it. */

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const ANY_ADDRESS = new Set(['0.0.0.0', '::', '']);

/** `host` as it goes into a URL: IPv6 addresses in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Whether `host` is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The host to put in URLs for a relay listening on `host`: loopback when it listens everywhere. */
export function reachableHost(host: string): string {
  return ANY_ADDRESS.has(host) ? '127.0.0.1' : urlHost(host);
}

/**
 * Whether a WebSocket handshake with these headers may connect to a relay
 * listening on `host`:`port`. Node clients send no `Origin` and may. A
 * browser page may only if it is the relay's own page: its origin must be
 * a loopback name or `host`, on `port`, which also shuts out a page that
 * rebinds its DNS name to 127.0.0.1. On a relay the user opened to the
 * network, its origin may also be the host the request was sent to.
 */
export function acceptsOrigin(
  headers: { readonly origin?: string | undefined; readonly host?: string | undefined },
  host: string,
  port: number,
): boolean {
  if (headers.origin === undefined) return true;
  let originHost: string;
  try {
    originHost = new URL(headers.origin).host;
  } catch {
    return false;
  }
  const names = [...LOOPBACK_NAMES, host].map((name) => `${urlHost(name)}:${port}`);
  if (names.includes(originHost)) return true;
  // A relay opened to the network serves its page under whatever name reaches it.
  return !isLoopback(host) && originHost === headers.host;
}
