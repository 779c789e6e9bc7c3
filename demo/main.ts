// The Go doc's example, run for a few seconds: spam has target 2, eggs 1,
// and 12 workers each hold a lease for 10 ms. Leases of spam are granted
// about twice as often as leases of eggs.
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool } from '../src/index.js';

const targets = { spam: 2, eggs: 1 } as const;
type Key = keyof typeof targets;
const workers = 12;
const holdMs = 10;
const durationMs = 3_000;

const pool = createPool<Key>();
for (const [key, target] of Object.entries(targets) as [Key, number][]) pool.set(key, target);

const granted: Record<Key, number> = { spam: 0, eggs: 0 };
const deadline = Date.now() + durationMs;

const ticker = setInterval(() => {
  const line = (Object.keys(targets) as Key[])
    .map((key) => `${key}: ${pool.get(key).active}/${pool.get(key).target} active, ${granted[key]} granted`)
    .join('   ');
  console.log(line);
}, 500);

await Promise.all(
  Array.from({ length: workers }, async () => {
    while (Date.now() < deadline) {
      using lease = await pool.acquire();
      granted[lease.key]++;
      await sleep(holdMs);
    }
  }),
);
clearInterval(ticker);
pool.stop();
await pool.drained();

const total = granted.spam + granted.eggs;
console.log('\nkey    target  leases  share');
for (const key of Object.keys(targets) as Key[]) {
  const share = ((granted[key] / total) * 100).toFixed(1);
  console.log(`${key.padEnd(6)} ${String(targets[key]).padStart(6)}  ${String(granted[key]).padStart(6)}  ${share.padStart(5)}%`);
}
console.log(`\nspam:eggs = ${(granted.spam / granted.eggs).toFixed(2)} (targets 2:1)`);
