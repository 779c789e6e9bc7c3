import { spawn } from 'node:child_process';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RedisServer, redisTestsRun, startRedisServer } from './redis/redis-server.js';

let server: RedisServer;
beforeAll(async () => {
  if (redisTestsRun) server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

function runDemo(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/main.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe.runIf(redisTestsRun)('the demo in Redis mode', () => {
  test('runs member processes sharing one pool, kills member 2, gets its share back, and leaves only the lease counter in Redis', async () => {
    const run = await runDemo([
      '--redis',
      server.url,
      '--members',
      '3',
      '--duration',
      '4.5s',
      '--kill-member',
      '500ms',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Running spam=2 eggs=1 on redis:\/\/127\.0\.0\.1:\d+ .* with 3 member processes sharing 12 workers \(4\+4\+4\)/m,
    );
    expect(run.stdout).toMatch(
      /^ +\d+\.\ds {2}spam \d\/2 active, \d+ leases \(\d+\.\d%\) · eggs \d\/1 active, \d+ leases \(\d+\.\d%\) {2}members 1:\d+ 2:\d+\(killed\) 3:\d+ {2}\d+ held by killed$/m,
    );
    expect(run.stdout).toMatch(/^measured spam:eggs = \d+\.\d\d:1\.00, targets 2:1$/m);
    expect(run.stdout).toMatch(/^member 1 \(pid \d+\): \d+ leases/m);
    expect(run.stdout).toMatch(/^member 2 \(pid \d+\): \d+ leases \(\d+\.\d%\), killed$/m);
    expect(run.stdout).toMatch(/^member 2 killed at 0\.5s; .*its share came back after \d+\.\ds$/m);
    expect(run.stdout).not.toContain('\u001b[');

    const client = await createClient({ url: server.url }).connect();
    try {
      const keys = await client.keys('{workpool:demo-*');
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(/meta$/);
    } finally {
      await client.close();
    }
  }, 30_000);
});
