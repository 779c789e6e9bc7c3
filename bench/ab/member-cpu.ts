// Usage: node --import tsx bench/ab/member-cpu.ts <path of a src/redis/index.ts> [cycles] — this process's CPU per
// acquire→release cycle of a Redis member (process.cpuUsage ÷ cycles, both members and their clients included): an
// uncontended cycle in one member, and a handoff ping-pong between two members of one pool (each release grants the
// other's queued acquire). Give it another checkout's src/redis/index.ts to compare two versions of the member on
// one machine; run the two alternately, since absolute figures swing with the machine's load.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient } from 'redis';
import { startRedisServer } from '../../demo/redis-server.js';
import type * as RedisEntry from '../../src/redis/index.js';

const entry = process.argv[2];
if (!entry) throw new TypeError('Expected the path of a src/redis/index.ts as the first argument');
const cycles = Number(process.argv[3] ?? 3000);
const { createRedisPool } = (await import(pathToFileURL(resolve(entry)).href)) as typeof RedisEntry;
const server = await startRedisServer();
const clients = [await createClient({ url: server.url }).connect(), await createClient({ url: server.url }).connect()];
const [x, y] = await Promise.all(clients.map((redis) => createRedisPool({ redis, name: 'cpu', leaseTtl: 30_000 })));
if (!x || !y) throw new Error('no members');
await x.set('k', 1);

/** µs of this process's CPU per cycle of `run`, after a warm-up of a tenth as many. */
async function cpuPerCycle(run: (n: number) => Promise<void>): Promise<number> {
  await run(Math.ceil(cycles / 10));
  const before = process.cpuUsage();
  await run(cycles);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / cycles;
}

const uncontended = await cpuPerCycle(async (n) => {
  for (let i = 0; i < n; i++) {
    const lease = await x.acquire({ key: 'k' });
    await lease.release();
  }
});

const handoff = await cpuPerCycle(async (n) => {
  let held = await x.acquire({ key: 'k' });
  for (let i = 0; i < n; i++) {
    const next = (i % 2 === 0 ? y : x).acquire({ key: 'k' });
    await held.release();
    held = await next;
  }
  await held.release();
});

console.log(
  JSON.stringify({ entry, cycles, uncontendedMicros: +uncontended.toFixed(1), handoffMicros: +handoff.toFixed(1) }),
);
await Promise.all([x.stop(), y.stop()]);
for (const client of clients) await client.close();
await server.stop();
