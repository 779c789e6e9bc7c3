import { got } from '../api/describe-value.js';
import { RedisPoolError } from './errors.js';
import { isPassingRefusal } from './passing-refusal.js';
import { quoteRedisError } from './quote-redis-error.js';

/** A reply of Redis as both clients give it (RESP2): strings, integers, arrays, null. */
export type RedisReply = string | number | null | RedisReply[];

/** A library of Redis Functions: FUNCTION LOAD takes its text, which names it. */
export interface FunctionLibrary {
  readonly name: string;
  readonly source: string;
}

/**
 * A script the adapter runs by its SHA1, loading it again if Redis forgot
 * it; or, where it is also `fn` of `library`, by FCALL, loading the library
 * once per server, with the script as the fallback where Redis refuses
 * functions.
 */
export interface LoadedScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
  /** The function of `library` that runs the same code. */
  readonly fn?: string;
  readonly library?: FunctionLibrary;
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
   * Runs `script` with `keys` and `args`: by FCALL where it has a function
   * and Redis runs functions (loading its library by FUNCTION LOAD when
   * Redis does not have it: first call, restart, failover), else by
   * EVALSHA, and by EVAL when Redis answers NOSCRIPT (restart, failover,
   * SCRIPT FLUSH), invisibly. Once Redis refuses FCALL or FUNCTION LOAD (an
   * ACL without them, Redis before 7) the adapter uses EVALSHA for good.
   * Rejects with a {@link RedisPoolError} whose `cause` is the client's
   * error.
   */
  evalScript(script: LoadedScript, keys: readonly string[], args: readonly string[]): Promise<RedisReply>;
  /** Whether calls still go by FCALL (true until Redis refuses functions, or where they are switched off). */
  readonly functions: boolean;
  /**
   * Opens a connection of its own subscribed to `channels` (by SUBSCRIBE,
   * or by SSUBSCRIBE when `sharded`: on a Cluster, each on the master of its
   * slot), calling `onMessage` with each message. Rejects with a
   * {@link RedisPoolError}.
   */
  subscribe(channels: readonly string[], onMessage: (message: string) => void, sharded: boolean): Promise<Subscription>;
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

/** Sends one command; `route` is a key of the pool, for a Cluster to pick the master of its slot. */
type Send = (args: string[], route: string | undefined) => Promise<unknown>;

/** Runs `send(EVALSHA…)`, then `send(EVAL…)` on NOSCRIPT; wraps errors. */
async function evalWith(
  send: Send,
  script: LoadedScript,
  keys: readonly string[],
  args: readonly string[],
): Promise<RedisReply> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return (await send(['EVALSHA', script.sha, ...tail], keys[0])) as RedisReply;
  } catch (error) {
    if (!isNoScript(error)) throw wrap(error, `script ${script.name}`, script);
  }
  try {
    return (await send(['EVAL', script.source, ...tail], keys[0])) as RedisReply;
  } catch (error) {
    throw wrap(error, `script ${script.name}`, script);
  }
}

/**
 * Whether Redis refused FCALL or FUNCTION for good rather than for this
 * call: an ACL user without them, or a Redis that does not know them
 * (before 7).
 */
function refusesFunctions(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const message = error.message;
  if (message.startsWith('NOPERM')) return /'(fcall|function(\|\w+)?)'/i.test(message);
  return /^ERR unknown (sub)?command '(fcall|function|load)'/i.test(message);
}

/** Whether an FCALL failed because Redis does not have the function (never loaded, restart, failover, FUNCTION FLUSH). */
function isFunctionMissing(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('ERR Function not found');
}

/** Whether a FUNCTION LOAD failed because the library is there already (another member loaded it first). */
function isLibraryLoaded(error: unknown): boolean {
  return error instanceof Error && /^ERR Library '[^']*' already exists/.test(error.message);
}

/**
 * Whether the pool may use Redis Functions in this process: yes, unless
 * `XSTATE_WORKPOOL_REDIS_FUNCTIONS=0` says otherwise (the test suite runs
 * once that way, so that the EVALSHA path keeps every rule too).
 */
function functionsAllowed(): boolean {
  return (
    (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
      ?.XSTATE_WORKPOOL_REDIS_FUNCTIONS !== '0'
  );
}

/**
 * Runs scripts by FCALL while Redis takes functions, by {@link evalWith}
 * once it refuses them; `load` loads a library where the calls will run it.
 */
class ScriptCaller {
  functions = functionsAllowed();
  /**
   * The library being loaded, per route, shared by the calls that found it
   * missing at once on that route: on a Cluster, the shards of a pool (D9)
   * live on several masters, and a load on one master does nothing for a
   * call that missed it on another.
   */
  readonly #loading = new Map<string | undefined, Promise<void>>();

  constructor(
    readonly send: Send,
    readonly load: (library: FunctionLibrary, route: string | undefined) => Promise<unknown>,
  ) {}

  async run(script: LoadedScript, keys: readonly string[], args: readonly string[]): Promise<RedisReply> {
    if (this.functions && script.fn && script.library) {
      const fcall = ['FCALL', script.fn, String(keys.length), ...keys, ...args];
      try {
        return (await this.send(fcall, keys[0])) as RedisReply;
      } catch (error) {
        if (!isFunctionMissing(error)) this.#refused(error, script);
      }
      if (this.functions) {
        await this.#load(script.library, keys[0]);
        if (this.functions) {
          try {
            return (await this.send(fcall, keys[0])) as RedisReply;
          } catch (error) {
            this.#refused(error, script);
          }
        }
      }
    }
    return evalWith(this.send, script, keys, args);
  }

  /** Turns functions off where `error` says Redis refuses them (nothing ran: the script runs instead); throws anything else. */
  #refused(error: unknown, script: LoadedScript): void {
    if (!refusesFunctions(error)) throw wrap(error, `script ${script.name}`, script);
    this.functions = false;
  }

  async #load(library: FunctionLibrary, route: string | undefined): Promise<void> {
    let loading = this.#loading.get(route);
    if (!loading) {
      loading = this.load(library, route).then(
        () => {},
        (error: unknown) => {
          if (isLibraryLoaded(error)) return;
          if (!refusesFunctions(error)) throw wrap(error, 'FUNCTION LOAD');
          this.functions = false;
        },
      );
      this.#loading.set(route, loading);
    }
    try {
      await loading;
    } finally {
      if (this.#loading.get(route) === loading) this.#loading.delete(route);
    }
  }
}

/** An adapter of `rest` whose scripts run through `caller` (`functions` read live, not copied). */
function withScripts(caller: ScriptCaller, rest: Omit<RedisAdapter, 'evalScript' | 'functions'>): RedisAdapter {
  return Object.defineProperties(
    {
      ...rest,
      evalScript: (script: LoadedScript, keys: readonly string[], args: readonly string[]) =>
        caller.run(script, keys, args),
    },
    { functions: { get: () => caller.functions, enumerable: true } },
  ) as RedisAdapter;
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
  sSubscribe(channel: string, listener: (message: string) => void): Promise<void>;
  close?(): Promise<void>;
  destroy?(): void;
  readonly masters?: unknown;
}

/** node-redis ≥ 5, `createSentinel()`: no `duplicate`; its commands and its pub/sub follow the primary. */
interface NodeRedisSentinelLike {
  sendCommand(isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  unsubscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  sSubscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  sUnsubscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
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
  ssubscribe(channel: string): Promise<unknown>;
  disconnect(): void;
  pipeline(): IoRedisPipelineLike;
  readonly isCluster: boolean;
  /** A Cluster's connections to its nodes. */
  nodes?(role: 'master'): Array<{ call(command: string, ...args: string[]): Promise<unknown> }>;
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
  const send: Send = nodeRedisSender(client, cluster);
  // On a Cluster, FUNCTION LOAD goes where the FCALL that missed it went: to the master of the pool's slot.
  const caller = new ScriptCaller(send, (library, route) => send(['FUNCTION', 'LOAD', library.source], route));
  return withScripts(caller, {
    kind: cluster ? 'node-redis cluster' : 'node-redis client',
    async subscribe(channels, onMessage, sharded) {
      const sub = client.duplicate();
      // Errors surface on the calls; an 'error' listener keeps them from crashing the process.
      sub.on('error', () => {});
      const close = () => closeNodeRedis(sub);
      const listener = (message: string) => onMessage(message);
      try {
        await sub.connect();
        // One channel a call: a Cluster routes SSUBSCRIBE by its first channel's slot.
        for (const channel of channels) {
          await (sharded ? sub.sSubscribe(channel, listener) : sub.subscribe(channel, listener));
        }
      } catch (error) {
        await close();
        throw wrap(error, sharded ? 'SSUBSCRIBE' : 'SUBSCRIBE');
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
  });
}

function nodeRedisSentinelAdapter(client: NodeRedisSentinelLike): RedisAdapter {
  // Not read-only: on the primary, never a replica.
  const send: Send = (args) => client.sendCommand(false, args);
  const caller = new ScriptCaller(send, (library) => send(['FUNCTION', 'LOAD', library.source], undefined));
  return withScripts(caller, {
    kind: 'node-redis sentinel',
    async subscribe(channels, onMessage, sharded) {
      // A sentinel cannot be duplicated: the listener goes on the sentinel's own pub/sub connection,
      // which it moves to each new primary with its listeners, and closes once none is left.
      const listener = (message: string) => onMessage(message);
      const done: string[] = [];
      const unsubscribe = async () => {
        // A sentinel the caller closed already dropped it; asking it now would open a connection again.
        if (!client.isOpen) return;
        for (const channel of done.splice(0)) {
          await (sharded ? client.sUnsubscribe(channel, listener) : client.unsubscribe(channel, listener)).catch(
            () => {},
          );
        }
      };
      try {
        for (const channel of channels) {
          await (sharded ? client.sSubscribe(channel, listener) : client.subscribe(channel, listener));
          done.push(channel);
        }
      } catch (error) {
        await unsubscribe();
        throw wrap(error, sharded ? 'SSUBSCRIBE' : 'SUBSCRIBE');
      }
      return subscription(unsubscribe);
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
  });
}

function ioRedisAdapter(client: IoRedisLike): RedisAdapter {
  // ioredis routes FCALL and EVALSHA on a Cluster by their keys.
  const send: Send = ([command, ...args]) => client.call(command as string, ...args);
  // FUNCTION LOAD has no key for ioredis to route by: on a Cluster it goes to every master, so that the
  // master of the pool's slot has it, whichever that is now.
  const load = (library: FunctionLibrary) =>
    client.isCluster && client.nodes
      ? Promise.all(
          client.nodes('master').map((node) =>
            node.call('FUNCTION', 'LOAD', library.source).catch((error: unknown) => {
              if (!isLibraryLoaded(error)) throw error;
            }),
          ),
        )
      : client.call('FUNCTION', 'LOAD', library.source);
  const caller = new ScriptCaller(send, load);
  return withScripts(caller, {
    kind: client.isCluster ? 'ioredis cluster' : 'ioredis client',
    async subscribe(channels, onMessage, sharded) {
      // Its own connection, connected now whatever the caller's lazyConnect, queueing until ready. It
      // subscribes again by itself after a reconnection, so that a refusal (ACL) is no unhandled rejection.
      // A duplicate keeps the caller's `sentinels`, so it reconnects to each new primary as the caller does.
      // A Cluster routes SSUBSCRIBE to the master of each channel's slot only with `shardedSubscribers`
      // (ioredis 5.4 and later), and then resubscribes by itself when the slots move.
      const overrides = {
        lazyConnect: true,
        enableOfflineQueue: true,
        autoResubscribe: false,
        ...(sharded && client.isCluster ? { shardedSubscribers: true } : {}),
      };
      const sub = client.isCluster ? client.duplicate([], overrides) : client.duplicate(overrides);
      const wanted = new Set(channels);
      const subscribeAll = () => Promise.all(channels.map((c) => (sharded ? sub.ssubscribe(c) : sub.subscribe(c))));
      sub.on('error', () => {});
      sub.on(sharded ? 'smessage' : 'message', (...args: unknown[]) => {
        if (wanted.has(args[0] as string) && typeof args[1] === 'string') onMessage(args[1]);
      });
      try {
        await sub.connect();
        await subscribeAll();
      } catch (error) {
        sub.disconnect();
        throw wrap(error, sharded ? 'SSUBSCRIBE' : 'SUBSCRIBE');
      }
      if (!(sharded && client.isCluster)) {
        sub.on('ready', () => {
          subscribeAll().catch(() => {});
        });
      }
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
  });
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
