/**
 * One member process of `npm run chaos:redis`: joins the pool and runs
 * workers doing random acquire / tryAcquire / release / set / abort until
 * SIGTERM (then stops its pool, releases what it holds and exits). Every
 * grant, release and lost lease goes to its log file with a synchronous
 * write, so a `kill -9` loses nothing that happened before it.
 */
import { openSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, Redis as IORedis } from 'ioredis';
import { createClient, createCluster, createSentinel } from 'redis';
import { createRedisPool, type RedisLease, type RedisPool } from '../../src/redis/index.js';
import { type MemberEvent, now } from './events.js';
import { Random } from './random.js';

/** What the run hands a member (JSON in `CHAOS_MEMBER`). */
export interface MemberConfig {
  /** The one `redis-server`, without `--sentinel`. */
  readonly url?: string;
  /** With `--sentinel`: the primary is found through these sentinels, under `masterName`. */
  readonly sentinel?: {
    readonly masterName: string;
    readonly sentinels: readonly { readonly host: string; readonly port: number }[];
  };
  /** With `--cluster`: the loopback ports of the Cluster's masters. */
  readonly cluster?: readonly number[];
  readonly name: string;
  /** The pool's shards (D9); above 1, every request names a key (any-key requests are refused then). */
  readonly shards: number;
  readonly keys: readonly string[];
  readonly leaseTtl: number;
  readonly workers: number;
  readonly seed: number;
  readonly log: string;
  readonly client: 'node-redis' | 'ioredis';
}

/** How often the stall detector runs, and how late it must run to log a stall, ms. */
const TICK_MS = 20;
const STALL_MS = 100;

const config = JSON.parse(process.env.CHAOS_MEMBER ?? '{}') as MemberConfig;
const fd = openSync(config.log, 'a');
const log = (event: MemberEvent) => writeSync(fd, `${JSON.stringify(event)}\n`);
const random = new Random(config.seed);
const running = new AbortController();
const counts = { acquires: 0, tries: 0, sets: 0 };
const logCounts = () => log({ ev: 'count', ...counts, t: now() });

/**
 * How soon a client tries again after losing its server: what a user
 * wanting a quick failover sets (the clients' defaults back off to 2 s,
 * which would be most of a failover window).
 */
const reconnectDelay = (retries: number) => Math.min(50 * retries, 500);

/** A client through the sentinels, of the kind `config.client` names. */
async function connectSentinel(sentinel: NonNullable<MemberConfig['sentinel']>): Promise<Connection> {
  const sentinels = sentinel.sentinels.map(({ host, port }) => ({ host, port }));
  if (config.client === 'node-redis') {
    const client = createSentinel({
      name: sentinel.masterName,
      sentinelRootNodes: sentinels,
      nodeClientOptions: { socket: { reconnectStrategy: reconnectDelay } },
    });
    client.on('error', () => {});
    await client.connect();
    return { redis: client, close: () => client.close() };
  }
  const client = new IORedis({
    sentinels,
    name: sentinel.masterName,
    lazyConnect: true,
    retryStrategy: reconnectDelay,
    sentinelRetryStrategy: reconnectDelay,
  });
  client.on('error', () => {});
  await client.connect();
  return { redis: client, close: () => client.quit() };
}

interface Connection {
  readonly redis: unknown;
  close(): Promise<unknown>;
}

/** A Cluster client of the kind `config.client` names. */
async function connectCluster(ports: readonly number[]): Promise<Connection> {
  if (config.client === 'node-redis') {
    const client = createCluster({ rootNodes: ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })) });
    client.on('error', () => {});
    await client.connect();
    return { redis: client, close: () => client.close() };
  }
  const client = new Cluster(
    ports.map((port) => ({ host: '127.0.0.1', port })),
    { lazyConnect: true },
  );
  client.on('error', () => {});
  await client.connect();
  return { redis: client, close: () => client.quit() };
}

async function connect(): Promise<Connection> {
  if (config.sentinel) return connectSentinel(config.sentinel);
  if (config.cluster) return connectCluster(config.cluster);
  if (config.url === undefined) throw new TypeError('CHAOS_MEMBER has neither url, sentinel nor cluster');
  if (config.client === 'node-redis') {
    const client = createClient({ url: config.url });
    client.on('error', () => {});
    await client.connect();
    return { redis: client, close: () => client.close() };
  }
  const url = new URL(config.url);
  const client = new IORedis(Number(url.port), url.hostname, { lazyConnect: true });
  client.on('error', () => {});
  await client.connect();
  return { redis: client, close: () => client.quit() };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

async function hold(lease: RedisLease<string>, t0: number): Promise<void> {
  log({ ev: 'grant', id: lease.id, key: lease.key, t0, t: now() });
  const onAbort = () => log({ ev: 'signal', id: lease.id, reason: errorName(lease.signal.reason), t: now() });
  if (lease.signal.aborted) onAbort();
  else lease.signal.addEventListener('abort', onAbort, { once: true });
  const ms = random.int(0, 20);
  if (ms > 0 && !lease.signal.aborted) await sleep(ms, undefined, { signal: lease.signal }).catch(() => {});
  else await null;
  log({ ev: 'release', id: lease.id, t: now() });
  await lease.release();
  log({ ev: 'released', id: lease.id, t: now() });
}

async function step(pool: RedisPool<string>): Promise<void> {
  const roll = random.next();
  // A sharded pool refuses any-key requests (D9): there, every request names a key.
  const key = config.shards === 1 && random.next() < 0.15 ? undefined : random.pick(config.keys);
  if (roll < 0.6) {
    counts.acquires++;
    const abort = new AbortController();
    // Some acquires are abandoned at once, the rest after a while (a key may have no target for long).
    const timer = setTimeout(() => abort.abort(), random.next() < 0.3 ? random.int(0, 40) : random.int(200, 1_500));
    const signal = AbortSignal.any([abort.signal, running.signal]);
    const t0 = now();
    try {
      const lease = await pool.acquire(key === undefined ? { signal } : { key, signal });
      clearTimeout(timer);
      await hold(lease, t0);
    } catch (error) {
      clearTimeout(timer);
      log({ ev: 'op', op: 'acquire', what: signal.aborted ? 'aborted' : errorName(error), t: now() });
    }
  } else if (roll < 0.85) {
    counts.tries++;
    const t0 = now();
    try {
      const lease = await pool.tryAcquire(key === undefined ? {} : { key });
      if (lease) await hold(lease, t0);
      else await sleep(random.int(0, 5));
    } catch (error) {
      log({ ev: 'op', op: 'tryAcquire', what: errorName(error), t: now() });
    }
  } else if (roll < 0.88) {
    counts.sets++;
    const setKey = random.pick(config.keys);
    const target = random.int(0, 3);
    const t0 = now();
    log({ ev: 'set', key: setKey, target, t0 });
    try {
      await pool.set(setKey, target);
      log({ ev: 'set-end', t0, t: now(), ok: true });
    } catch (error) {
      log({ ev: 'set-end', t0, t: now(), ok: false });
      log({ ev: 'op', op: 'set', what: errorName(error), t: now() });
    }
  } else {
    await sleep(random.int(0, 10));
  }
}

async function worker(pool: RedisPool<string>): Promise<void> {
  while (!running.signal.aborted && !pool.stopped) await step(pool);
}

/**
 * Connects and joins. A member started during a failover finds no primary
 * for a few seconds, and `createRedisPool` then rejects (D6): try again
 * until a deadline, as a service restarting its pods would.
 */
async function join(): Promise<{ client: Connection; pool: RedisPool<string> }> {
  const deadline = now() + 60_000;
  for (;;) {
    let client: Connection | undefined;
    try {
      client = await connect();
      const pool = await createRedisPool<string>({
        redis: client.redis,
        name: config.name,
        leaseTtl: config.leaseTtl,
        shards: config.shards,
      });
      return { client, pool };
    } catch (error) {
      await client?.close().catch(() => {});
      if (now() > deadline) throw error;
      await sleep(200);
    }
  }
}

// SIGTERM's default kills at once: a member stopped while it joins (the run ending) would die with its
// first acquires on their way, their grants logged by nobody. It is heard from the start, and acted on
// once the member has joined.
let terminate = () => {
  terminated = true;
};
let terminated = false;
process.once('SIGTERM', () => terminate());
const { client, pool } = await join();
log({ ev: 'join', member: pool.member, pid: process.pid, t: now() });
process.send?.('ready');
setInterval(logCounts, 1_000).unref();
// A starved process sends its cancels and logs its aborts late: the checker widens its windows by what is logged here.
let tick = now();
setInterval(() => {
  const t = now();
  if (t - tick > STALL_MS) log({ ev: 'stall', t0: tick, t });
  tick = t;
}, TICK_MS).unref();
const workers = terminated ? [] : Array.from({ length: config.workers }, () => worker(pool));
terminate = () => {
  running.abort();
  void (async () => {
    await pool.stop();
    await Promise.allSettled(workers);
    await pool.done;
    logCounts();
    log({ ev: 'left', t: now() });
    await client.close();
    process.exit(0);
  })();
};
if (terminated) terminate();
