// Usage: node --expose-gc bench/ab/two-bundles.mjs <before.js> <after.js> [rounds]
// The tryAcquire→release and handoff cycles of two bundles of src/index.ts, interleaved in one process
// (each round runs both, in alternating order); prints the median cycles/s of each and after/before.
const [beforePath, afterPath, roundsArg] = process.argv.slice(2);
const load = (path) => import(new URL(path, `file://${process.cwd()}/`).href);
const bundles = { before: await load(beforePath), after: await load(afterPath) };
const ROUNDS = Number(roundsArg ?? 9);
const CYCLES = 50_000;

function tryCycles(createPool) {
  const pool = createPool();
  pool.set('k', 4);
  return () => {
    for (let i = 0; i < CYCLES; i++) pool.tryAcquire().release();
  };
}
function handoffCycles(createPool) {
  const pool = createPool();
  pool.set('k', 4);
  return async () => {
    let left = CYCLES;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (left-- > 0) {
          const lease = await pool.acquire();
          await null;
          lease.release();
        }
      }),
    );
  };
}
const tasks = [];
for (const [name, module] of Object.entries(bundles)) {
  tasks.push({ name: `${name} tryAcquire→release`, run: tryCycles(module.createPool), rates: [] });
  tasks.push({ name: `${name} handoff 64w/4`, run: handoffCycles(module.createPool), rates: [] });
}
for (const task of tasks) await task.run(); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? tasks : [...tasks].reverse();
  for (const task of order) {
    globalThis.gc?.();
    const started = performance.now();
    await task.run();
    task.rates.push(CYCLES / ((performance.now() - started) / 1000));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const task of tasks)
  console.log(`${task.name}: median ${Math.round(median(task.rates)).toLocaleString('en-US')} cycles/s`);
for (const cycle of ['tryAcquire→release', 'handoff 64w/4']) {
  const rate = (name) => median(tasks.find((t) => t.name === `${name} ${cycle}`).rates);
  console.log(`${cycle}: after/before ${(rate('after') / rate('before')).toFixed(2)}×`);
}
