const which = process.argv[2];
// Usage: node bench/ab/cpu-cycles.mjs <bundle.js> — CPU time per cycle (less sensitive to a loaded machine than wall time).
const { createPool } = await import(new URL(which, `file://${process.cwd()}/`).href);
function tryCycle(n) {
  const pool = createPool();
  pool.set('k', 4);
  for (let i = 0; i < n; i++) pool.tryAcquire().release();
}
async function handoff(n) {
  const pool = createPool();
  pool.set('k', 4);
  let left = n;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (left-- > 0) {
        const l = await pool.acquire();
        await null;
        l.release();
      }
    }),
  );
}
// The engine floor of the benchmarks (bench/subjects/engine-floor.ts): one trivial `assign` send per cycle.
const { assign, createActor, setup } = await import('xstate');
const counter = createActor(
  setup({}).createMachine({
    context: { count: 0 },
    on: { 'count.add': { actions: assign({ count: ({ context }) => context.count + 1 }) } },
  }),
).start();
const countAdd = { type: 'count.add' };
function trivialSend(n) {
  for (let i = 0; i < n; i++) counter.send(countAdd);
}
for (const [name, fn] of [
  ['trivial send (floor)', trivialSend],
  ['tryAcquire→release', tryCycle],
  ['handoff 64w/4', handoff],
]) {
  await fn(20000);
  const best = [];
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    await fn(100000);
    const c = process.cpuUsage(c0);
    best.push((c.user + c.system) / 100000);
  }
  best.sort((a, b) => a - b);
  console.log(`${which} ${name}: min ${best[0].toFixed(2)} µs CPU/cycle, median ${best[2].toFixed(2)}`);
}
