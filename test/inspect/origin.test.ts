import { describe, expect, test } from 'vitest';
import { acceptsOrigin, isLoopback, reachableHost } from '../../src/inspect/relay-address.js';

describe('which browser pages may read from the inspect relay', () => {
  test('a Node client, which sends no Origin, may connect', () => {
    expect(acceptsOrigin({ host: '127.0.0.1:8080' }, '127.0.0.1', 8080)).toBe(true);
  });

  test.each(['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080'])(
    'its own page, opened as %s, may connect to a loopback relay',
    (origin) => {
      expect(acceptsOrigin({ origin, host: '127.0.0.1:8080' }, '127.0.0.1', 8080)).toBe(true);
    },
  );

  test('another web site may not connect', () => {
    expect(acceptsOrigin({ origin: 'https://evil.example', host: '127.0.0.1:8080' }, '127.0.0.1', 8080)).toBe(false);
  });

  test('a page of another local port may not connect', () => {
    expect(acceptsOrigin({ origin: 'http://127.0.0.1:3000', host: '127.0.0.1:8080' }, '127.0.0.1', 8080)).toBe(false);
  });

  test('a site that rebinds its DNS name to 127.0.0.1 may not connect to a loopback relay', () => {
    const headers = { origin: 'http://rebound.example:8080', host: 'rebound.example:8080' };
    expect(acceptsOrigin(headers, '127.0.0.1', 8080)).toBe(false);
  });

  test('on a relay opened to the network, its page may connect under the name it was reached by', () => {
    const headers = { origin: 'http://build-box.lan:8080', host: 'build-box.lan:8080' };
    expect(acceptsOrigin(headers, '0.0.0.0', 8080)).toBe(true);
    expect(acceptsOrigin({ ...headers, origin: 'https://evil.example' }, '0.0.0.0', 8080)).toBe(false);
  });

  test('an Origin that is not a URL is refused', () => {
    expect(acceptsOrigin({ origin: 'null', host: '127.0.0.1:8080' }, '127.0.0.1', 8080)).toBe(false);
  });
});

describe('the relay address', () => {
  test.each([
    ['127.0.0.1', true],
    ['127.0.0.2', true],
    ['localhost', true],
    ['::1', true],
    ['0.0.0.0', false],
    ['192.168.1.5', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback);
  });

  test('URLs for a relay listening everywhere point at loopback', () => {
    expect(reachableHost('0.0.0.0')).toBe('127.0.0.1');
    expect(reachableHost('::')).toBe('127.0.0.1');
  });

  test('IPv6 hosts are bracketed in URLs', () => {
    expect(reachableHost('::1')).toBe('[::1]');
  });
});
