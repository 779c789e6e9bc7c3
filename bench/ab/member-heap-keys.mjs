// Usage: node --expose-gc bench/ab/member-heap-keys.mjs <redis bundle.js> [keys] — what a Redis-mode member's heap keeps
// after it used `keys` tenants once each (set 1, acquire, release, set 0 left out so the groups stay in Redis): right
// after, and after two heartbeats. Starts its own redis-server on loopback (needs redis-server on PATH).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createClient } from 'redis';

const [bundle, count = '20000'] = process.argv.slice(2);
if (!bundle || !globalThis.gc)
  throw new TypeError('Usage: node --expose-gc bench/ab/member-heap-keys.mjs <bundle.js> [keys]');
const { createRedisPool } = await import(new URL(bundle, `file://${process.cwd()}/`).href);
const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
const server = spawn('redis-server', [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
]);
await new Promise((resolve) => server.stdout.on('data', (d) => /Ready to accept/.test(d) && resolve()));
const redis = await createClient({ url: `redis://127.0.0.1:${port}` }).connect();
const leaseTtl = 900;
const pool = await createRedisPool({ redis, name: 'heap', leaseTtl });
const heap = () => {
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};
const before = heap();
for (let i = 0; i < Number(count); i += 500) {
  await Promise.all(
    Array.from({ length: Math.min(500, Number(count) - i) }, async (_, j) => {
      const key = `tenant-${i + j}`;
      await pool.set(key, 1);
      await (await pool.acquire({ key })).release();
    }),
  );
}
const used = heap();
await new Promise((resolve) => setTimeout(resolve, 2 * (leaseTtl / 3) + 200));
const later = heap();
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
console.log(
  `${count} keys used once: heap +${mb(used - before)} right after, +${mb(later - before)} after two heartbeats`,
);
await pool.stop();
redis.destroy();
server.kill();
