// Usage: node bench/ab/set-grants-many.mjs <bundle.js> — how one `set` that grants n waiting acquires at once grows with
// n (10,000 to 80,000): the time of the `set` call alone, and per grant. Linear means a flat "per grant" column.
const which = process.argv[2];
if (!which) throw new TypeError('Usage: node bench/ab/set-grants-many.mjs <bundle.js>');
const { createPool } = await import(new URL(which, `file://${process.cwd()}/`).href);
for (const n of [10_000, 20_000, 40_000, 80_000]) {
  const pool = createPool();
  const waits = Array.from({ length: n }, () => pool.acquire({ key: 'k' }));
  const started = performance.now();
  pool.set('k', n);
  const ms = performance.now() - started;
  await Promise.all(waits);
  pool.stop();
  console.log(
    `${String(n).padStart(6)} waiters: set ${ms.toFixed(0).padStart(5)} ms, ${((ms * 1000) / n).toFixed(1)} µs per grant`,
  );
}
