import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Bottleneck from 'bottleneck';
import { Cluster, Redis as IORedis } from 'ioredis';
import { createClient, createCluster } from 'redis';
import { Semaphore } from 'redis-semaphore';
import type { SessionConfig, SubjectName } from './protocol.js';

/** A lease (or semaphore slot, or running job) held by a member. */
export interface Held {
  release(): Promise<void>;
}

/** One member's handle on one key of one subject. */
export interface Session {
  /** Resolves once this member holds one of the key's `limit` slots. */
  acquire(): Promise<Held>;
  /** Lets go of everything the session opened. */
  close(): Promise<void>;
}

/** The part of `xstate-workpool/redis` the benchmark uses (DISTRIBUTED.md's API). */
export interface RedisPoolModule {
  createRedisPool<K extends string>(options: {
    redis: unknown;
    name: string;
    prefix?: string;
    shards?: number;
    leaseTtl?: number;
  }): Promise<{
    set(key: K, target: number): Promise<void>;
    acquire(options: { key: K }): Promise<{ release(): Promise<void> }>;
    stop(): Promise<void>;
    /** Resolves once the member has left the pool (its last calls answered). */
    readonly done: Promise<void>;
  }>;
}

/**
 * `xstate-workpool/redis` as users run it: the plain-JS bundle of
 * `src/redis/` that `npm run bench:redis` builds into `bench/.build`
 * first, else the TypeScript sources through tsx.
 */
export async function loadRedisPoolModule(): Promise<{ module: RedisPoolModule; source: string }> {
  const built = new URL('../.build/redis.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) {
    return {
      module: (await import(built.href)) as RedisPoolModule,
      source: 'bench/.build/redis.js (esbuild bundle of src/redis/)',
    };
  }
  const sources = '../../src/redis/index.js';
  return { module: (await import(sources)) as RedisPoolModule, source: 'src/redis/ through tsx' };
}

/**
 * The baseline build of ours (`--baseline <bundle>`: an esbuild bundle of
 * another commit's `src/redis/`, kept under bench/.build so that it resolves
 * the same packages), whose path the parent passes to its member processes
 * in `BENCH_REDIS_BASELINE`.
 */
async function loadBaselineModule(): Promise<RedisPoolModule> {
  const path = process.env.BENCH_REDIS_BASELINE;
  if (!path) throw new TypeError('A baseline subject needs BENCH_REDIS_BASELINE (run with `--baseline <bundle>`)');
  return (await import(pathToFileURL(path).href)) as RedisPoolModule;
}

function hostAndPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 6379) };
}

async function openWorkpool(
  config: SessionConfig,
  client: 'node-redis' | 'ioredis',
  baseline = false,
): Promise<Session> {
  const module = baseline ? await loadBaselineModule() : (await loadRedisPoolModule()).module;
  let redis: unknown;
  let closeClient: () => Promise<unknown>;
  const { cluster } = config;
  if (cluster && client === 'node-redis') {
    const nodeRedis = await createCluster({
      rootNodes: cluster.map((port) => ({ url: `redis://127.0.0.1:${port}` })),
    }).connect();
    redis = nodeRedis;
    closeClient = () => nodeRedis.close();
  } else if (cluster) {
    const ioredis = new Cluster(cluster.map((port) => ({ host: '127.0.0.1', port })));
    redis = ioredis;
    closeClient = () => ioredis.quit();
  } else if (client === 'node-redis') {
    const nodeRedis = await createClient({ url: config.url }).connect();
    redis = nodeRedis;
    closeClient = () => nodeRedis.close();
  } else {
    const { host, port } = hostAndPort(config.url);
    const ioredis = new IORedis(port, host);
    redis = ioredis;
    closeClient = () => ioredis.quit();
  }
  const pool = await module.createRedisPool<string>({
    redis,
    name: config.name,
    prefix: 'bench',
    ...(config.shards === undefined ? {} : { shards: config.shards }),
    ...(config.leaseTtl === undefined ? {} : { leaseTtl: config.leaseTtl }),
  });
  const keys = config.keys ?? [config.key];
  // Every member sets every key (the same target): whichever member opens first, the keys are ready.
  for (let i = 0; i < keys.length; i += 100) {
    await Promise.all(keys.slice(i, i + 100).map((key) => pool.set(key, config.limit)));
  }
  return {
    async acquire() {
      const key = keys.length === 1 ? (keys[0] as string) : (keys[Math.floor(Math.random() * keys.length)] as string);
      const lease = await pool.acquire({ key });
      return { release: () => lease.release() };
    },
    async close() {
      await pool.stop();
      // stop() resolves once the member's requests are withdrawn; it leaves the pool after (one call a shard,
      // D9), so closing the client before `done` cut those calls off (ioredis: EPIPE, quit() rejected).
      await pool.done;
      await closeClient();
    },
  };
}

async function openRedisSemaphore(config: SessionConfig): Promise<Session> {
  const { host, port } = hostAndPort(config.url);
  const redis = new IORedis(port, host);
  return {
    async acquire() {
      // Defaults (retryInterval 10 ms, lockTimeout 10 s, refresh at 80 %) except the acquire
      // timeout, 10 s by default: 256 waiters behind a limit of 4 may wait longer.
      const semaphore = new Semaphore(redis, `${config.name}:${config.key}`, config.limit, {
        acquireTimeout: 600_000,
      });
      await semaphore.acquire();
      return { release: () => semaphore.release() };
    },
    async close() {
      await redis.quit();
    },
  };
}

async function openBottleneck(config: SessionConfig): Promise<Session> {
  const limiter = new Bottleneck({
    id: `${config.name}:${config.key}`,
    maxConcurrent: config.limit,
    datastore: 'ioredis',
    clientOptions: hostAndPort(config.url),
    clearDatastore: false,
    Redis: IORedis,
  });
  limiter.on('error', (error) => console.error('bottleneck:', error));
  await limiter.ready();
  return {
    acquire() {
      // A job runs while it holds one of the `maxConcurrent` slots: the job starting is the
      // grant; resolving its promise is the release, done once Bottleneck has freed it.
      return new Promise<Held>((granted, failed) => {
        let finish: () => void;
        const job = limiter.schedule(
          () =>
            new Promise<void>((resolve) => {
              finish = resolve;
              granted({
                release: async () => {
                  finish();
                  await job;
                },
              });
            }),
        );
        job.catch(failed);
      });
    },
    async close() {
      await limiter.disconnect(true);
    },
  };
}

/** Opens `config.subject` on `config.key` with `config.limit` slots, shared with every member that opens the same config. */
export function openSession(config: SessionConfig): Promise<Session> {
  const open: Record<SubjectName, () => Promise<Session>> = {
    'workpool (node-redis)': () => openWorkpool(config, 'node-redis'),
    'workpool (ioredis)': () => openWorkpool(config, 'ioredis'),
    'baseline (node-redis)': () => openWorkpool(config, 'node-redis', true),
    'baseline (ioredis)': () => openWorkpool(config, 'ioredis', true),
    'redis-semaphore': () => openRedisSemaphore(config),
    bottleneck: () => openBottleneck(config),
  };
  return open[config.subject]();
}
