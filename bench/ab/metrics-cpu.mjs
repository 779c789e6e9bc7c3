// Usage: node --expose-gc bench/ab/metrics-cpu.mjs <dir with index.js and metrics/index.js> [rounds]
// CPU time per cycle (less disturbed by a loaded machine than wall time) of the tryAcquire→release and handoff
// cycles on a plain pool, on one instrumented with instrumentPool (SDK meter, a reader that never collects) and on
// one instrumented with poolName and keyAttribute too, alternated in one process; prints the minimum and median of
// the rounds and each instrumented one against the plain one.
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

const [dir, roundsArg] = process.argv.slice(2);
const base = new URL(`${dir.replace(/\/$/, '')}/`, `file://${process.cwd()}/`);
const { createPool } = await import(new URL('index.js', base).href);
const { instrumentPool } = await import(new URL('metrics/index.js', base).href);
class IdleReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}
const meter = new MeterProvider({ readers: [new IdleReader()] }).getMeter('ab');
const ROUNDS = Number(roundsArg ?? 9);
const CYCLES = 40_000;

/** A pool with target 4 on one key: plain, instrumented, or instrumented with `poolName` and `keyAttribute`. */
function pool(how) {
  const p = createPool();
  p.set('k', 4);
  if (how === 'instrumented') instrumentPool(p, { meter });
  if (how === 'named') instrumentPool(p, { meter, poolName: 'ab', keyAttribute: (key) => key });
  return p;
}
const tryCycles = (p) => () => {
  for (let i = 0; i < CYCLES; i++) p.tryAcquire().release();
};
const handoffCycles = (p) => async () => {
  let left = CYCLES;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (left-- > 0) {
        const lease = await p.acquire();
        await null;
        lease.release();
      }
    }),
  );
};
const tasks = [
  { name: 'try plain', run: tryCycles(pool('plain')) },
  { name: 'try instrumented', run: tryCycles(pool('instrumented')) },
  { name: 'try named', run: tryCycles(pool('named')) },
  { name: 'handoff plain', run: handoffCycles(pool('plain')) },
  { name: 'handoff instrumented', run: handoffCycles(pool('instrumented')) },
  { name: 'handoff named', run: handoffCycles(pool('named')) },
].map((t) => ({ ...t, cpu: [] }));
for (const task of tasks) await task.run();
for (let round = 0; round < ROUNDS; round++) {
  for (const task of round % 2 === 0 ? tasks : [...tasks].reverse()) {
    globalThis.gc?.();
    const started = process.cpuUsage();
    await task.run();
    const used = process.cpuUsage(started);
    task.cpu.push((used.user + used.system) / CYCLES);
  }
}
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const min = (t) => sorted(t.cpu)[0];
const median = (t) => sorted(t.cpu)[Math.floor(t.cpu.length / 2)];
for (const t of tasks) console.log(`${t.name}: min ${min(t).toFixed(2)} µs CPU/cycle, median ${median(t).toFixed(2)}`);
for (const cycle of ['try', 'handoff']) {
  const plain = tasks.find((t) => t.name === `${cycle} plain`);
  for (const how of ['instrumented', 'named']) {
    const other = tasks.find((t) => t.name === `${cycle} ${how}`);
    console.log(
      `${cycle}: ${how} runs at ${(min(plain) / min(other)).toFixed(2)}× the plain cycles per CPU second (min), ` +
        `${(median(plain) / median(other)).toFixed(2)}× (median)`,
    );
  }
}
