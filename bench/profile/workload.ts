/**
 * One workload to profile, run in its own process by `bench/profile/run.ts`
 * under `node --cpu-prof`: `handoff` (scenario 1), `try` (scenario 3) or
 * `set` (scenario 4, 100,000 keys created then removed).
 */
import { runWorkers } from '../harness/workers.js';
import { loadPoolModule } from '../subjects/pool-module.js';

const workload = process.argv[2];
const { module } = await loadPoolModule();
const pool = module.createPool<string>();
pool.set('key', 4);
const started = performance.now();
let ops = 0;

switch (workload) {
  case 'handoff':
    await runWorkers(
      async (budget) => {
        while (budget.take()) {
          const lease = await pool.acquire();
          await null;
          lease.release();
        }
      },
      64,
      400_000,
    );
    ops = 400_000;
    break;
  case 'try':
    for (let i = 0; i < 200_000; i++) pool.tryAcquire()?.release();
    ops = 200_000;
    break;
  case 'set': {
    const keys = Array.from({ length: 100_000 }, (_, i) => `key-${i}`);
    for (const key of keys) pool.set(key, 1);
    for (const key of keys) pool.set(key, 0);
    ops = 200_000;
    break;
  }
  default:
    throw new TypeError(`Unknown workload \`${workload}\`; expected \`handoff\`, \`try\` or \`set\``);
}
pool.stop();
// The last line of output: the rate of this (profiled, so slower) run, for run.ts.
console.log(JSON.stringify({ opsPerSecond: (ops * 1000) / (performance.now() - started) }));
