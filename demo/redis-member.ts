/**
 * One member process of the Redis demo (`npm start -- --redis`): joins the
 * pool named by the parent, runs its share of the workers (each takes
 * leases of any key one after another and holds each for a while), and
 * reports what it was granted and holds over IPC every 100 ms. On `stop`
 * it stops its pool, lets its workers release their last leases, reports
 * once more and exits.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { createRedisPool } from '../src/redis/index.js';

/** What the parent hands a member (JSON in `DEMO_MEMBER`). */
export interface RedisMemberConfig {
  readonly url: string;
  readonly name: string;
  readonly workers: number;
  readonly holdMs: number;
  readonly leaseTtl: number;
}

/** What a member reports: leases granted so far per key, and those it holds now. */
export interface MemberReport {
  readonly member: string;
  readonly granted: Readonly<Record<string, number>>;
  readonly held: number;
  readonly final: boolean;
}

const config = JSON.parse(process.env.DEMO_MEMBER ?? '{}') as RedisMemberConfig;
const client = createClient({ url: config.url });
client.on('error', () => {});
await client.connect();
const pool = await createRedisPool<string>({ redis: client, name: config.name, leaseTtl: config.leaseTtl });
const granted: Record<string, number> = {};
let held = 0;
const report = (final: boolean) => process.send?.({ member: pool.member, granted, held, final } satisfies MemberReport);

const work = async () => {
  try {
    for await (const lease of pool.leases()) {
      held++;
      granted[lease.key] = (granted[lease.key] ?? 0) + 1;
      try {
        await sleep(config.holdMs);
      } finally {
        held--;
        await lease.release();
      }
    }
  } catch {
    // The pool stopped while this worker waited.
  }
};
const workers = Promise.all(Array.from({ length: config.workers }, work));
const timer = setInterval(() => report(false), 100);
report(false);

process.on('message', async (message) => {
  if (message !== 'stop') return;
  await pool.stop();
  await workers;
  await pool.done;
  clearInterval(timer);
  report(true);
  await client.close();
  process.disconnect();
});
