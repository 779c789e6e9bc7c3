import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';

// The README's TypeScript section gives a tsconfig for consumers. Here a consumer project with exactly that
// tsconfig, importing the built package by name, is compiled by TypeScript 5.x (`tsc`) and by TypeScript 7
// (`tsgo`, the native preview) and run on the Node that runs the tests: `using` included, so the output must
// be runnable there (on Node 20, `using` must be compiled away).

const root = join(import.meta.dirname, '..');
const work = join(root, '.consumer-check');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

/** The first json block of the README's "TypeScript" section. */
function readmeTsconfig(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## TypeScript\n'));
  const block = /```json\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no json block in its TypeScript section');
  return block;
}

const consumer = `import { createPool, type Lease } from 'xstate-workpool';

const pool = createPool<string>({ signal: undefined, defaultTarget: 2 });
const maybeKey: string | undefined = process.argv[2];
let inside = -1;
{
  using lease: Lease<string> = await pool.acquire({ key: maybeKey ?? 'tenant' });
  inside = pool.get(lease.key).active;
}
console.log(JSON.stringify({ inside, after: pool.keys().length }));
pool.stop();
`;

// Every entry, with options that may be undefined; compiled only, to see which declarations need skipLibCheck.
const everyEntry = `import { metrics } from '@opentelemetry/api';
import { createPool } from 'xstate-workpool';
import { startInspectSession } from 'xstate-workpool/inspect';
import { instrumentPool } from 'xstate-workpool/metrics';
import { createRedisPool } from 'xstate-workpool/redis';

export async function everyEntry(maybeKey: string | undefined, maybePort: number | undefined): Promise<void> {
  const session = await startInspectSession({ port: maybePort });
  const pool = createPool<string>({ inspect: session.inspect });
  instrumentPool(pool, { meter: metrics.getMeter('consumer'), poolName: undefined });
  const member = await createRedisPool<string>({ redis: {}, name: 'n', prefix: undefined });
  await (await member.acquire({ key: maybeKey })).release();
}
`;

/** The files tsc reports errors in when it compiles {@link everyEntry} without skipLibCheck. */
function filesFailingWithoutSkipLibCheck(exactOptionalPropertyTypes: boolean): string[] {
  const { compilerOptions } = JSON.parse(readmeTsconfig());
  // rootDir and outDir are the README project's; this one only type-checks.
  const { rootDir: _, outDir: __, ...options } = compilerOptions;
  const tsconfig = {
    compilerOptions: { ...options, skipLibCheck: false, exactOptionalPropertyTypes, noEmit: true },
    include: ['entries/*.ts'],
  };
  writeFileSync(join(work, 'tsconfig.libcheck.json'), JSON.stringify(tsconfig));
  try {
    execFileSync(bin('tsc'), ['-p', join(work, 'tsconfig.libcheck.json')], { cwd: work, encoding: 'utf8' });
    return [];
  } catch (error) {
    const output = String((error as { stdout?: unknown }).stdout);
    // An error without a file (a bad tsconfig) counts as the file '(none)', so it cannot pass unseen.
    const files = [...output.matchAll(/^(.*)error TS\d+/gm)].map(
      (m) => /^(.+)\(\d+,\d+\): $/.exec(m[1] ?? '')?.[1] ?? '(none)',
    );
    return [...new Set(files)];
  }
}

describe('a consumer compiled with the README’s tsconfig', () => {
  beforeAll(() => {
    rmSync(work, { recursive: true, force: true });
    const pkg = join(work, 'node_modules', 'xstate-workpool');
    mkdirSync(join(work, 'src'), { recursive: true });
    execFileSync(bin('tsc'), ['-p', join(root, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], {
      stdio: 'pipe',
    });
    cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
    writeFileSync(join(work, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(join(work, 'tsconfig.json'), readmeTsconfig());
    writeFileSync(join(work, 'src', 'main.ts'), consumer);
    mkdirSync(join(work, 'entries'));
    writeFileSync(join(work, 'entries', 'every-entry.ts'), everyEntry);
    // Building the package with tsc takes seconds, more on a loaded machine.
  }, 120_000);

  test.each([
    ['TypeScript 5.x (tsc)', 'tsc'],
    ['TypeScript 7 (tsgo)', 'tsgo'],
  ])('%s compiles it, `using` and undefined options included, and it runs on this Node', (_, compiler) => {
    const out = join(work, `out-${compiler}`);
    if (!existsSync(bin(compiler))) throw new Error(`${compiler} is not installed: run npm install`);
    execFileSync(bin(compiler), ['-p', work, '--outDir', out], { stdio: 'pipe' });
    const js = readFileSync(join(out, 'main.js'), 'utf8');
    const printed = execFileSync(process.execPath, [join(out, 'main.js')], { cwd: work, encoding: 'utf8' });
    expect(JSON.parse(printed)).toEqual({ inside: 1, after: 0 });
    // Node 20 cannot parse `using`: the compiler must have turned it into plain JavaScript.
    if (Number(process.versions.node.split('.')[0]) < 24) expect(js).not.toMatch(/\busing lease\b/);
  });
});

describe('skipLibCheck, as the README says', () => {
  test("with exactOptionalPropertyTypes, only XState's own declarations fail without it", () => {
    const failing = filesFailingWithoutSkipLibCheck(true);
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.filter((file) => !file.includes('node_modules/xstate/'))).toEqual([]);
  });

  test('without exactOptionalPropertyTypes, every entry compiles without it', () => {
    expect(filesFailingWithoutSkipLibCheck(false)).toEqual([]);
  });
});
