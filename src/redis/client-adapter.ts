import { got } from '../api/describe-value.js';
import { RedisPoolError } from './errors.js';
import { isPassingRefusal } from './passing-refusal.js';
import { quoteRedisError } from './quote-redis-error.js';

/** A reply of Redis as both clients give it (RESP2): strings, integers, arrays, null. */
export type RedisReply = string | number | null | RedisReply[];

/** A script the adapter runs by its SHA1, loading it again if Redis forgot it. */
export interface LoadedScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

/** A subscription connection the pool opened; closing it is the pool's job, not the caller's. */
export interface Subscription {
  /** Closes the connection (idempotent; never throws). */
  close(): Promise<void>;
}

/**
 * The small part of a Redis client the pool uses, the same over node-redis
 * (client, cluster, sentinel) and ioredis (client, with or without
 * sentinels, and cluster). It never closes the caller's client.
 */
export interface RedisAdapter {
  /** Which client and topology it wraps, for messages. */
  readonly kind: string;
  /**
   * Runs `script` with `keys` and `args` by EVALSHA, and by EVAL when Redis
   * answers NOSCRIPT (restart, failover, SCRIPT FLUSH), invisibly. Rejects
   * with a {@link RedisPoolError} whose `cause` is the client's error.
   */
  evalScript(script: LoadedScript, keys: readonly string[], args: readonly string[]): Promise<RedisReply>;
  /**
   * Opens a connection of its own subscribed to `channel`, calling
   * `onMessage` with each message. Rejects with a {@link RedisPoolError}.
   */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<Subscription>;
  /**
   * Opens a connection of its own for {@link Confirmer.confirm}, so that a
   * `WAIT` blocking there holds up no other call of the member. Rejects
   * with a {@link RedisPoolError}.
   */
  openConfirmer(): Promise<Confirmer>;
}

/** A connection that tells when replicas have what the primary had. */
export interface Confirmer {
  /**
   * Writes one field of `key` (a hash of the pool), then waits up to
   * `timeout` ms (`WAIT`) for `replicas` replicas to have that write, hence
   * everything the primary ran before it; resolves to how many have it.
   * Rejects with a {@link RedisPoolError}.
   */
  confirm(key: string, replicas: number, timeout: number): Promise<number>;
  /** Closes the connection (idempotent; never throws). */
  close(): Promise<void>;
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/** Whether `error` is Redis' answer (node-redis' ErrorReply, ioredis' ReplyError), not a failure to reach it. */
function isErrorReply(error: unknown): boolean {
  for (let proto = Object.getPrototypeOf(error); proto; proto = Object.getPrototypeOf(proto)) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    if (name === 'ErrorReply' || name === 'ReplyError') return true;
  }
  return false;
}

/** The pool's error for a failed call: `what` and Redis' short reason in the message, the client's error as `cause`. */
function wrap(error: unknown, what: string, script?: LoadedScript): RedisPoolError {
  const refused = isErrorReply(error);
  return new RedisPoolError(`Redis ${what} failed: ${quoteRedisError(error, script?.source)}`, {
    cause: error,
    refused,
    transient: !refused || isPassingRefusal(error),
  });
}

/** Runs `send(EVALSHA…)`, then `send(EVAL…)` on NOSCRIPT; wraps errors. */
async function evalWith(
  send: (args: string[]) => Promise<unknown>,
  script: LoadedScript,
  keys: readonly string[],
  args: readonly string[],
): Promise<RedisReply> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return (await send(['EVALSHA', script.sha, ...tail])) as RedisReply;
  } catch (error) {
    if (!isNoScript(error)) throw wrap(error, `script ${script.name}`, script);
  }
  try {
    return (await send(['EVAL', script.source, ...tail])) as RedisReply;
  } catch (error) {
    throw wrap(error, `script ${script.name}`, script);
  }
}

/** The hash field a confirmation writes: a write of its own connection for `WAIT` to wait for. */
const confirmField = 'confirms';

/** Sends the confirming write and `WAIT` back to back on one connection; resolves to WAIT's count. */
async function confirmWith(
  send: (args: string[]) => Promise<unknown>,
  key: string,
  replicas: number,
  timeout: number,
): Promise<number> {
  try {
    const [, acked] = await Promise.all([
      send(['HINCRBY', key, confirmField, '1']),
      send(['WAIT', String(replicas), String(timeout)]),
    ]);
    return Number(acked);
  } catch (error) {
    throw wrap(error, 'WAIT');
  }
}

/** A subscription whose `close` runs `close` once, however often it is called. */
function subscription(close: () => void | Promise<void>): Subscription {
  let closed = false;
  return {
    async close() {
      if (closed) return;
      closed = true;
      await close();
    },
  };
}

type AnyFunction = (...args: never[]) => unknown;

function has(value: object, name: string): boolean {
  return typeof (value as Record<string, unknown>)[name] === 'function';
}

/** node-redis ≥ 5, `createClient()` or `createCluster()`. */
interface NodeRedisLike {
  sendCommand: AnyFunction;
  duplicate(): NodeRedisLike;
  connect(): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  close?(): Promise<void>;
  destroy?(): void;
  readonly masters?: unknown;
}

/** node-redis ≥ 5, `createSentinel()`: no `duplicate`; its commands and its pub/sub follow the primary. */
interface NodeRedisSentinelLike {
  sendCommand(isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  unsubscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  getMasterNode(): unknown;
  use<T>(
    fn: (client: { sendCommand(isReadonly: boolean | undefined, args: string[]): Promise<unknown> }) => Promise<T>,
  ): Promise<T>;
  readonly isOpen: boolean;
}

/** ioredis ≥ 5, `new Redis()` (with or without `sentinels`) or `new Redis.Cluster()`. */
interface IoRedisLike {
  call(command: string, ...args: string[]): Promise<unknown>;
  duplicate(...args: unknown[]): IoRedisLike;
  connect(): Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  subscribe(channel: string): Promise<unknown>;
  disconnect(): void;
  pipeline(): IoRedisPipelineLike;
  readonly isCluster: boolean;
}

/** An ioredis pipeline, as far as a confirmation uses it. */
interface IoRedisPipelineLike {
  call(command: string, ...args: string[]): IoRedisPipelineLike;
  exec(): Promise<unknown>;
}

/** Sends a command on `client`; on a Cluster, to the master of `route`'s slot. */
function nodeRedisSender(client: NodeRedisLike, cluster: boolean) {
  return cluster
    ? (args: string[], route: string | undefined) =>
        (client.sendCommand as (k: string | undefined, r: boolean, a: string[]) => Promise<unknown>)(route, false, args)
    : (args: string[]) => (client.sendCommand as (a: string[]) => Promise<unknown>)(args);
}

/** Closes a node-redis connection the pool opened; never throws. */
async function closeNodeRedis(connection: NodeRedisLike): Promise<void> {
  try {
    if (connection.destroy) connection.destroy();
    else await connection.close?.();
  } catch {
    // Already closed.
  }
}

function nodeRedisAdapter(client: NodeRedisLike): RedisAdapter {
  const cluster = client.masters !== undefined;
  const sendOn = nodeRedisSender(client, cluster);
  // EVALSHA sha numkeys key…: the first key routes it.
  const send = (args: string[]) => sendOn(args, args[3]);
  return {
    kind: cluster ? 'node-redis cluster' : 'node-redis client',
    evalScript: (script, keys, args) => evalWith(send, script, keys, args),
    async subscribe(channel, onMessage) {
      const sub = client.duplicate();
      // Errors surface on the calls; an 'error' listener keeps them from crashing the process.
      sub.on('error', () => {});
      const close = () => closeNodeRedis(sub);
      try {
        await sub.connect();
        await sub.subscribe(channel, (message) => onMessage(message));
      } catch (error) {
        await close();
        throw wrap(error, 'SUBSCRIBE');
      }
      return subscription(close);
    },
    async openConfirmer() {
      const connection = client.duplicate();
      connection.on('error', () => {});
      try {
        await connection.connect();
      } catch (error) {
        await closeNodeRedis(connection);
        throw wrap(error, 'connect');
      }
      const sendOn = nodeRedisSender(connection, cluster);
      const closing = subscription(() => closeNodeRedis(connection));
      return {
        confirm: (key, replicas, timeout) => confirmWith((args) => sendOn(args, key), key, replicas, timeout),
        close: () => closing.close(),
      };
    },
  };
}

function nodeRedisSentinelAdapter(client: NodeRedisSentinelLike): RedisAdapter {
  // Not read-only: on the primary, never a replica.
  const send = (args: string[]) => client.sendCommand(false, args);
  return {
    kind: 'node-redis sentinel',
    evalScript: (script, keys, args) => evalWith(send, script, keys, args),
    async subscribe(channel, onMessage) {
      // A sentinel cannot be duplicated: the listener goes on the sentinel's own pub/sub connection,
      // which it moves to each new primary with its listeners, and closes once none is left.
      const listener = (message: string) => onMessage(message);
      try {
        await client.subscribe(channel, listener);
      } catch (error) {
        throw wrap(error, 'SUBSCRIBE');
      }
      return subscription(async () => {
        // A sentinel the caller closed already dropped it; asking it now would open a connection again.
        if (!client.isOpen) return;
        await client.unsubscribe(channel, listener).catch(() => {});
      });
    },
    async openConfirmer() {
      // A sentinel cannot be duplicated: each confirmation reserves one client of its primary's pool
      // (`masterPoolSize` above 1 keeps the member's other calls off the one a WAIT blocks).
      return {
        confirm: (key, replicas, timeout) =>
          client.use((leased) => confirmWith((args) => leased.sendCommand(false, args), key, replicas, timeout)),
        close: async () => {},
      };
    },
  };
}

function ioRedisAdapter(client: IoRedisLike): RedisAdapter {
  const send = ([command, ...args]: string[]) => client.call(command as string, ...args);
  return {
    kind: client.isCluster ? 'ioredis cluster' : 'ioredis client',
    evalScript: (script, keys, args) => evalWith(send, script, keys, args),
    async subscribe(channel, onMessage) {
      // Its own connection, connected now whatever the caller's lazyConnect, queueing until ready. It
      // subscribes again by itself after a reconnection, so that a refusal (ACL) is no unhandled rejection.
      // A duplicate keeps the caller's `sentinels`, so it reconnects to each new primary as the caller does.
      const overrides = { lazyConnect: true, enableOfflineQueue: true, autoResubscribe: false };
      const sub = client.isCluster ? client.duplicate([], overrides) : client.duplicate(overrides);
      sub.on('error', () => {});
      sub.on('message', (...args: unknown[]) => {
        if (args[0] === channel && typeof args[1] === 'string') onMessage(args[1]);
      });
      try {
        await sub.connect();
        await sub.subscribe(channel);
      } catch (error) {
        sub.disconnect();
        throw wrap(error, 'SUBSCRIBE');
      }
      sub.on('ready', () => {
        sub.subscribe(channel).catch(() => {});
      });
      return subscription(() => sub.disconnect());
    },
    async openConfirmer() {
      const overrides = { lazyConnect: true, enableOfflineQueue: true };
      const connection = client.isCluster ? client.duplicate([], overrides) : client.duplicate(overrides);
      connection.on('error', () => {});
      try {
        await connection.connect();
      } catch (error) {
        connection.disconnect();
        throw wrap(error, 'connect');
      }
      // On a Cluster a pipeline goes whole to the master of its keys' slot, WAIT (keyless) with it.
      const confirm = client.isCluster
        ? async (key: string, replicas: number, timeout: number) => {
            const results = (await connection
              .pipeline()
              .call('HINCRBY', key, confirmField, '1')
              .call('WAIT', String(replicas), String(timeout))
              .exec()) as Array<[Error | null, unknown]> | null;
            const failed = results?.find(([error]) => error)?.[0];
            if (!results || failed) throw wrap(failed ?? new Error('pipeline discarded'), 'WAIT');
            return Number(results[1]?.[1]);
          }
        : (key: string, replicas: number, timeout: number) =>
            confirmWith(([command, ...args]) => connection.call(command as string, ...args), key, replicas, timeout);
      const closing = subscription(() => connection.disconnect());
      return { confirm, close: () => closing.close() };
    },
  };
}

/**
 * Wraps a connected client the caller owns: node-redis (`createClient()`,
 * `createCluster()`, `createSentinel()`) or ioredis (`new Redis()`, with or
 * without `sentinels`, `new Redis.Cluster()`), told apart by their methods.
 *
 * @throws {TypeError} for anything else.
 */
export function adaptClient(client: unknown): RedisAdapter {
  if (typeof client === 'object' && client !== null) {
    if (has(client, 'call') && has(client, 'duplicate') && has(client, 'subscribe') && 'isCluster' in client) {
      return ioRedisAdapter(client as unknown as IoRedisLike);
    }
    if (has(client, 'sendCommand') && has(client, 'duplicate') && has(client, 'subscribe')) {
      return nodeRedisAdapter(client as unknown as NodeRedisLike);
    }
    if (has(client, 'sendCommand') && has(client, 'getMasterNode') && has(client, 'unsubscribe')) {
      return nodeRedisSentinelAdapter(client as unknown as NodeRedisSentinelLike);
    }
  }
  throw new TypeError(
    `Expected \`redis\` to be a connected node-redis (createClient, createCluster, createSentinel) or ioredis (Redis, Redis.Cluster) client, ${got(client)}`,
  );
}
