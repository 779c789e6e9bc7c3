// Rough measurements of the Redis mode's core, in one process against a throwaway redis-server:
// Redis commands per acquire→release cycle (INFO commandstats, script-internal commands included)
// with 64 and 256 waiters, Redis memory per idle key over 10,000 keys, and handoff latency
// between two members (release call → the other member's acquire resolving).
//
// Usage: npx tsx bench/redis/core-measure.ts   (not part of npm test)
import { createClient } from 'redis';
import { createRedisPool, type RedisPool } from '../../src/redis/index.js';
import { startRedisServer } from '../../test/redis/redis-server.js';

type Client = ReturnType<typeof createClient>;

async function connect(url: string): Promise<Client> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  return client as Client;
}

/** Sum of `calls` over INFO commandstats, and the calls of each command. */
async function commandStats(client: Client): Promise<{ total: number; by: Map<string, number> }> {
  const info = String(await client.sendCommand(['INFO', 'commandstats']));
  const by = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) by.set(match[1] as string, Number(match[2]));
  by.delete('info');
  by.delete('config|resetstat');
  let total = 0;
  for (const calls of by.values()) total += calls;
  return { total, by };
}

async function commandsPerCycle(url: string, waiters: number, cycles: number): Promise<string> {
  const clients: Client[] = [];
  const pools: RedisPool[] = [];
  const name = `cycles-${waiters}`;
  for (let i = 0; i < 4; i++) {
    const client = await connect(url);
    clients.push(client);
    pools.push(await createRedisPool({ redis: client, name }));
  }
  const [first] = pools;
  if (!first) throw new Error('no pool');
  const target = 4;
  await first.set('x', target);
  let done = 0;
  let measuring = false;
  let counted = 0;
  const probe = await connect(url);
  const workers = Array.from({ length: waiters + target }, async (_, i) => {
    const pool = pools[i % pools.length] as RedisPool;
    while (done < cycles) {
      const lease = await pool.acquire({ key: 'x' });
      await lease.release();
      if (measuring) counted++;
      done++;
    }
  });
  // Warm up until every worker is in the loop, then count a window of cycles.
  while (done < waiters * 2) await new Promise((resolve) => setTimeout(resolve, 5));
  await probe.sendCommand(['CONFIG', 'RESETSTAT']);
  measuring = true;
  const start = done;
  while (done - start < cycles / 2) await new Promise((resolve) => setTimeout(resolve, 5));
  const stats = await commandStats(probe);
  const window = counted;
  measuring = false;
  await Promise.all(workers);
  for (const pool of pools) await pool.stop();
  for (const client of [...clients, probe]) client.destroy();
  const top = [...stats.by.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([command, calls]) => `${command} ${(calls / window).toFixed(2)}`)
    .join(', ');
  return `| ${waiters} | ${window} | ${(stats.total / window).toFixed(1)} | ${top} |`;
}

async function memoryPerIdleKey(url: string, keys: number): Promise<string> {
  const client = await connect(url);
  const pool = await createRedisPool({ redis: client, name: 'memory' });
  await pool.set('warm', 1);
  await pool.set('warm', 0);
  const before = Number(/used_memory:(\d+)/.exec(String(await client.sendCommand(['INFO', 'memory'])))?.[1]);
  for (let i = 0; i < keys; i += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, j) => pool.set(`tenant-${i + j}`, 2)));
  }
  const after = Number(/used_memory:(\d+)/.exec(String(await client.sendCommand(['INFO', 'memory'])))?.[1]);
  const usage = async (suffix: string) =>
    Number(await client.sendCommand(['MEMORY', 'USAGE', `{workpool:memory}${suffix}`, 'SAMPLES', '0']));
  const groups = await usage('groups');
  const ready = await usage('ready');
  for (let i = 0; i < keys; i += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, j) => pool.set(`tenant-${i + j}`, 0)));
  }
  const removed = Number(/used_memory:(\d+)/.exec(String(await client.sendCommand(['INFO', 'memory'])))?.[1]);
  await pool.stop();
  client.destroy();
  return [
    `- ${keys} idle keys (target 2, active 0): used_memory +${((after - before) / keys).toFixed(0)} B/key;`,
    `  MEMORY USAGE groups hash ${(groups / keys).toFixed(0)} B/key + ready zset ${(ready / keys).toFixed(0)} B/key`,
    `  = ${((groups + ready) / keys).toFixed(0)} B/key; after set(k, 0) for all: used_memory ${removed - before >= 0 ? '+' : ''}${removed - before} B in all.`,
  ].join('\n');
}

async function handoffLatency(url: string, rounds: number): Promise<string> {
  const a = await connect(url);
  const b = await connect(url);
  const pa = await createRedisPool({ redis: a, name: 'handoff' });
  const pb = await createRedisPool({ redis: b, name: 'handoff' });
  await pa.set('x', 1);
  const other: number[] = [];
  const own: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const held = await pa.acquire();
    const waiting = pb.acquire({ key: 'x' });
    await new Promise((resolve) => setTimeout(resolve, 2));
    const t0 = performance.now();
    await held.release().then(() => undefined);
    const lease = await waiting;
    other.push(performance.now() - t0);
    // Handoff to a waiter of the releasing member: the grant rides in the release reply.
    const ownWaiting = pb.acquire({ key: 'x' });
    await new Promise((resolve) => setTimeout(resolve, 2));
    const t1 = performance.now();
    await lease.release();
    const next = await ownWaiting;
    own.push(performance.now() - t1);
    await next.release();
  }
  await pa.stop();
  await pb.stop();
  a.destroy();
  b.destroy();
  const pct = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) * p)]?.toFixed(2);
  return [
    `- to another member (pub/sub): p50 ${pct(other, 0.5)} ms, p99 ${pct(other, 0.99)} ms over ${rounds} (release call → its acquire resolves; includes the release's own round trip)`,
    `- to the releasing member's own waiter (in the reply): p50 ${pct(own, 0.5)} ms, p99 ${pct(own, 0.99)} ms`,
  ].join('\n');
}

const server = await startRedisServer();
try {
  const load = (await import('node:os')).loadavg()[0]?.toFixed(2);
  console.log(`load average at start: ${load}`);
  console.log('| waiters | cycles counted | Redis commands per cycle | per command |');
  console.log('| --- | --- | --- | --- |');
  console.log(await commandsPerCycle(server.url, 64, 4_000));
  console.log(await commandsPerCycle(server.url, 256, 4_000));
  console.log(await memoryPerIdleKey(server.url, 10_000));
  console.log(await handoffLatency(server.url, 300));
} finally {
  await server.stop();
}
