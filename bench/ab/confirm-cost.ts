// Usage: node --import tsx bench/ab/confirm-cost.ts [cycles] — the latency cost of `confirmReplicas: 1` on loopback with
// one replica: an uncontended acquire→release cycle in one member, and a handoff (release in member X → grant
// delivered to a waiter in member Y), p50/p99 in ms, with and without the option, interleaved in rounds so that both
// see the same machine. Starts its own primary and replica (needs redis-server on PATH).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { startRedisServer } from '../../demo/redis-server.js';
import { createRedisPool } from '../../src/redis/index.js';

const cycles = Number(process.argv[2] ?? 2000);
const primary = await startRedisServer();
const replica = await startRedisServer({
  args: ['--replicaof', '127.0.0.1', String(primary.port), '--dir', mkdtempSync(join(tmpdir(), 'confirm-cost-'))],
});
const admin = await createClient({ url: replica.url }).connect();
for (;;) {
  const info = String(await admin.sendCommand(['INFO', 'replication']));
  if (info.includes('master_link_status:up')) break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}

const clients: Array<{ close(): Promise<unknown> }> = [];
async function member(name: string, confirmReplicas: number) {
  const client = await createClient({ url: primary.url }).connect();
  clients.push(client);
  return createRedisPool({ redis: client, name, leaseTtl: 30_000, confirmReplicas });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

const figures: Record<string, number[]> = {};
function record(label: string, ms: number) {
  let list = figures[label];
  if (!list) figures[label] = list = [];
  list.push(ms);
}

type Member = Awaited<ReturnType<typeof member>>;
/** Two members of one pool per setting: X for cycles and as the releaser, Y as the waiter of a handoff. */
const pools = new Map<number, [Member, Member]>();
for (const confirm of [0, 1]) {
  const x = await member(`cost-${confirm}`, confirm);
  const y = await member(`cost-${confirm}`, confirm);
  await x.set('k', 1);
  pools.set(confirm, [x, y]);
}

const rounds = 10;
for (let round = 0; round < rounds; round++) {
  for (const confirm of [0, 1]) {
    const [x, y] = pools.get(confirm) as [Member, Member];
    for (let i = 0; i < cycles / rounds; i++) {
      const t0 = performance.now();
      const lease = await x.acquire({ key: 'k' });
      await lease.release();
      record(`cycle confirmReplicas=${confirm}`, performance.now() - t0);
    }
    for (let i = 0; i < cycles / rounds / 4; i++) {
      const held = await x.acquire({ key: 'k' });
      const waiting = y.acquire({ key: 'k' });
      await new Promise((resolve) => setTimeout(resolve, 2));
      const t0 = performance.now();
      await held.release();
      const lease = await waiting;
      record(`handoff confirmReplicas=${confirm}`, performance.now() - t0);
      await lease.release();
    }
  }
}

for (const [label, list] of Object.entries(figures)) {
  const sorted = [...list].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(28)} n=${sorted.length} p50 ${quantile(sorted, 0.5).toFixed(3)} ms  p99 ${quantile(sorted, 0.99).toFixed(3)} ms`,
  );
}
for (const pool of [...pools.values()].flat()) await pool.stop();
for (const client of clients) await client.close();
await admin.close();
await replica.stop();
await primary.stop();
