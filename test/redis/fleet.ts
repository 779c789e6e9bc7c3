import type { CreateRedisPoolOptions, RedisPool } from '../../src/redis/index.js';
import { createRedisPool } from '../../src/redis/index.js';
import { poolKeys } from '../../src/redis/redis-keys.js';
import { shardOf, shardTag } from '../../src/redis/shards.js';
import { type ClientKind, clientKinds, connectClient, type TestClient } from './clients.js';
import { type RedisServer, redisTestsRun, startRedisServer } from './redis-server.js';

/** A member of a test pool, with its own client. */
export interface TestMember<K extends string = string> {
  readonly pool: RedisPool<K>;
  readonly client: TestClient;
}

let poolCount = 0;

/** A fresh pool name, so tests sharing a server never share a pool. */
export function freshName(label = 'pool'): string {
  return `${label}-${process.pid}-${++poolCount}`;
}

/**
 * The numbers of shards the D-rule suites run with (D9): 1, the layout of
 * D1–D8, and 4, a pool spread over four hash tags, where every per-key rule
 * must hold as with 1.
 */
export const shardCounts: readonly number[] = [1, 4];

/** Every client with every number of shards of {@link shardCounts}, for `describe.each`. */
export const clientsAndShards: readonly (readonly [ClientKind, number])[] = clientKinds.flatMap((kind) =>
  shardCounts.map((shards) => [kind, shards] as const),
);

/** The hash tag `key`'s data lives under in pool `name` (default prefix) of `shards` shards. */
export function keyTag(name: string, key: string, shards: number): string {
  return shardTag(poolKeys('workpool', name).tag, shardOf(key, shards), shards);
}

/**
 * `count` keys (`<stem>0`, `<stem>1`, … skipping some) each in a shard of
 * its own in a pool of `shards` shards, so that a test with several keys
 * crosses shards; with one shard, simply `count` distinct keys.
 */
export function keysInDistinctShards(shards: number, count: number, stem = 'k'): string[] {
  if (count > shards && shards > 1) throw new RangeError(`no ${count} distinct shards among ${shards}`);
  const keys: string[] = [];
  const used = new Set<number>();
  for (let i = 0; keys.length < count; i++) {
    const shard = shardOf(`${stem}${i}`, shards);
    if (shards > 1 && used.has(shard)) continue;
    used.add(shard);
    keys.push(`${stem}${i}`);
  }
  return keys;
}

/**
 * A key other than `key` in the same shard as `key` (a pool of `shards`
 * shards), named `<stem><i>`.
 */
export function keyInShardOf(key: string, shards: number, stem = 'same'): string {
  for (let i = 0; ; i++) {
    const other = `${stem}${i}`;
    if (other !== key && shardOf(other, shards) === shardOf(key, shards)) return other;
  }
}

/**
 * Opens members of one pool on `server`, each with its own `kind` client
 * and (unless a member's options say otherwise) `shards` shards, and closes
 * them all (pools stopped without waiting for leases, then clients) at
 * `close()`.
 */
export class TestFleet {
  readonly members: TestMember[] = [];
  readonly clients: TestClient[] = [];

  constructor(
    readonly server: RedisServer,
    readonly kind: ClientKind,
    readonly shards = 1,
  ) {}

  /** A connected client of this fleet's kind, closed with the fleet. */
  async client(): Promise<TestClient> {
    const client = await connectClient(this.kind, this.server.url);
    this.clients.push(client);
    return client;
  }

  /** A new member of pool `name` with options `options`. */
  async member<K extends string = string>(
    name: string,
    options: Omit<CreateRedisPoolOptions, 'redis' | 'name'> = {},
  ): Promise<TestMember<K>> {
    const client = await this.client();
    const pool = await createRedisPool<K>({ redis: client.client, name, shards: this.shards, ...options });
    const member = { pool, client } as TestMember<K>;
    this.members.push(member as unknown as TestMember);
    return member;
  }

  /** `count` members of a fresh pool (or of `name`). */
  async pool<K extends string = string>(
    count: number,
    options: Omit<CreateRedisPoolOptions, 'redis' | 'name'> & { name?: string } = {},
  ): Promise<RedisPool<K>[]> {
    const { name = freshName(), ...rest } = options;
    const pools: RedisPool<K>[] = [];
    for (let i = 0; i < count; i++) pools.push((await this.member<K>(name, rest)).pool);
    return pools;
  }

  /** Stops every member (without waiting for their leases) and closes every client. */
  async close(): Promise<void> {
    await Promise.allSettled(this.members.map(({ pool }) => pool.stop()));
    await Promise.allSettled(this.clients.map((client) => client.close()));
    this.members.length = 0;
    this.clients.length = 0;
  }
}

/**
 * How many waiters of pool `name` (default prefix, `shards` shards) Redis
 * holds: for `key`'s queue, or the any-key queue. Read straight from Redis,
 * to see a request queued before acting on it.
 */
export async function queuedIn(client: TestClient, name: string, key?: string, shards = 1): Promise<number> {
  const home = poolKeys('workpool', name).tag;
  const tag = key === undefined ? home : shardTag(home, shardOf(key, shards), shards);
  return Number(await client.command(['ZCARD', key === undefined ? `${tag}anyq` : `${tag}q:${key}`]));
}

/**
 * Starts a redis-server for the calling test file (when Redis tests run)
 * and stops it after; `current()` is the running server.
 */
export function useRedisServer(hooks: {
  beforeAll(fn: () => Promise<void>): void;
  afterAll(fn: () => Promise<void>): void;
}): { current(): RedisServer; replace(server: RedisServer): void } {
  let server: RedisServer | undefined;
  hooks.beforeAll(async () => {
    if (redisTestsRun) server = await startRedisServer();
  });
  hooks.afterAll(async () => {
    await server?.stop();
  });
  return {
    current() {
      if (!server) throw new Error('no redis-server running');
      return server;
    },
    replace(next) {
      server = next;
    },
  };
}
