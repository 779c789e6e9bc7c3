import { Redis } from 'ioredis';
import { createClient, createSentinel } from 'redis';
import type { SentinelSet } from './sentinel.js';

/** The clients the Redis mode supports, by the name tests are labelled with. */
export type ClientKind = 'node-redis' | 'ioredis';

/** Every supported client, for `describe.each`. */
export const clientKinds: readonly ClientKind[] = ['node-redis', 'ioredis'];

/** A connected client of either kind, with a way to end it and to send raw commands. */
export interface TestClient {
  readonly kind: ClientKind;
  /** The client itself, as a user would pass it to `createRedisPool`. */
  readonly client: unknown;
  /** Sends one command and resolves with its reply. */
  command(args: readonly string[]): Promise<unknown>;
  /** Closes the connection (idempotent). */
  close(): Promise<void>;
}

/** A {@link TestClient} of `client`, whose `close` runs `end` once however often it is called. */
function testClient(
  kind: ClientKind,
  client: unknown,
  command: TestClient['command'],
  end: () => void | Promise<void>,
): TestClient {
  let closed = false;
  return {
    kind,
    client,
    command,
    async close() {
      if (closed) return;
      closed = true;
      await end();
    },
  };
}

/** Tests kill servers on purpose: reconnect quickly. */
const delay = (retries: number) => Math.min(50 * retries, 500);

/** Connects an ioredis `client` made with `lazyConnect` (its errors surface on the calls) and wraps it. */
async function connectIoRedis(kind: ClientKind, client: Redis): Promise<TestClient> {
  client.on('error', () => {});
  await client.connect();
  return testClient(
    kind,
    client,
    ([name, ...rest]) => client.call(name as string, ...rest),
    () => client.disconnect(),
  );
}

/** Connects a client of `kind` to `url` (redis://host:port), optionally as an ACL user. */
export async function connectClient(
  kind: ClientKind,
  url: string,
  auth?: { readonly username: string; readonly password: string },
): Promise<TestClient> {
  if (kind === 'node-redis') {
    const client = createClient({
      url,
      ...(auth ?? {}),
      // Tests kill servers on purpose: retry quickly; fail calls at once while disconnected (README: Faults).
      socket: { reconnectStrategy: delay },
      disableOfflineQueue: true,
    });
    client.on('error', () => {});
    await client.connect();
    return testClient(
      kind,
      client,
      (args) => client.sendCommand([...args]),
      () => {
        if (client.isOpen) client.destroy();
      },
    );
  }
  const { hostname, port } = new URL(url);
  const client = new Redis({
    host: hostname,
    port: Number(port),
    ...(auth ?? {}),
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    // Its ready check runs INFO, which a user restricted to the pool's commands may not run.
    enableReadyCheck: auth === undefined,
    retryStrategy: delay,
  });
  return connectIoRedis(kind, client);
}

/**
 * Connects a client of `kind` to the primary of `set` through its
 * sentinels, as a user would: node-redis `createSentinel()`, ioredis
 * `new Redis({ sentinels, name })`. Both find each new primary after a
 * failover by themselves.
 */
export async function connectSentinelClient(
  kind: ClientKind,
  set: Pick<SentinelSet, 'masterName' | 'sentinels'>,
  options: { readonly masterPoolSize?: number } = {},
): Promise<TestClient> {
  if (kind === 'node-redis') {
    const client = createSentinel({
      name: set.masterName,
      ...(options.masterPoolSize === undefined ? {} : { masterPoolSize: options.masterPoolSize }),
      sentinelRootNodes: set.sentinels.map(({ host, port }) => ({ host, port })),
      nodeClientOptions: { socket: { reconnectStrategy: delay }, disableOfflineQueue: true },
    });
    client.on('error', () => {});
    await client.connect();
    return testClient(
      kind,
      client,
      (args) => client.sendCommand(false, [...args]),
      () => client.destroy(),
    );
  }
  const client = new Redis({
    sentinels: set.sentinels.map(({ host, port }) => ({ host, port })),
    name: set.masterName,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: delay,
    sentinelRetryStrategy: delay,
  });
  return connectIoRedis(kind, client);
}
