import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RedisServer, redisTestsRun, startRedisServer } from './redis/redis-server.js';

// The README's TypeScript blocks must compile against the package and run. A block without imports continues the
// usage example, so it gets the example's imports and pool first, and a stop that ends any loop in it.

const root = join(import.meta.dirname, '..');
const work = join(root, '.readme-check');
const prelude = [
  "import { setTimeout as sleep } from 'node:timers/promises';",
  "import { createPool } from 'xstate-workpool';",
  "const pool = createPool<'spam' | 'eggs'>();",
  "pool.set('spam', 2);",
  "pool.set('eggs', 1);",
  'setTimeout(() => pool.stop(), 100);',
  'void sleep;',
].join('\n');

function readmeBlocks(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((match) => match[1] ?? '');
}

function asModule(block: string): string {
  const body = /^import /m.test(block) ? block : `${prelude}\n${block}`;
  const module = body
    .replaceAll("'xstate-workpool/redis'", "'../src/redis/index.js'")
    .replaceAll("'xstate-workpool/metrics'", "'../src/metrics/index.js'")
    .replaceAll("'xstate-workpool/inspect'", "'../src/inspect/index.js'")
    .replaceAll("'xstate-workpool'", "'../src/index.js'")
    // The metrics and inspect examples serve on their usual ports; the test takes any free ones.
    .replaceAll('port: 9464', 'port: 0')
    .replaceAll('port: 8080', 'port: 0');
  return `${module}\nexport {};\n`;
}

describe('README', () => {
  const blocks = readmeBlocks();
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  const files = blocks.map((block, i) => {
    const file = join(work, `block-${i + 1}.ts`);
    writeFileSync(file, asModule(block));
    return file;
  });
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify({ extends: '../tsconfig.json', include: ['*.ts', '../src'] }),
  );

  test('neither the README nor a doc comment in src/ cites spec rule numbers (users have no spec)', () => {
    const files = [
      'README.md',
      ...readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
        // The generated module is the Lua scripts' text: comments for maintainers, not doc comments.
        .filter((f) => f.endsWith('.ts') && !f.endsWith('scripts.generated.ts'))
        .map((f) => join('src', f)),
    ];
    const citing = files.filter((f) => /\bSPEC\b|\bS\d{1,2}a?\b/.test(readFileSync(join(root, f), 'utf8')));
    expect(citing).toEqual([]);
  });

  test('has TypeScript examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
  });

  test('every TypeScript example type-checks against the package', () => {
    execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(work, 'tsconfig.json'), '--noEmit'], {
      stdio: 'pipe',
    });
    // One tsc run over every example and the sources: over a minute when the shared machine is loaded.
  }, 120_000);

  // The Redis mode's examples run against a redis-server of their own, named by REDIS_URL.
  const usesRedis = (i: number) => blocks[i - 1]?.includes("'xstate-workpool/redis'") ?? false;
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    if (redisTestsRun && blocks.some((_, i) => usesRedis(i + 1))) redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  // A block that declares what it leaves to the reader (`declare const app`, an app of a framework this package
  // does not depend on) is type-checked only.
  test.each(
    files
      .map((file, i) => [i + 1, file] as const)
      .filter(([i]) => !blocks[i - 1]?.includes('createBrowserInspector'))
      .filter(([i]) => !/^declare const /m.test(blocks[i - 1] ?? ''))
      .filter(([i]) => redisTestsRun || !usesRedis(i)),
  )('example %i runs to completion', (i, file) => {
    const env = usesRedis(i) ? { ...process.env, REDIS_URL: redis?.url } : process.env;
    execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: root, stdio: 'pipe', timeout: 30_000, env });
  });
});
