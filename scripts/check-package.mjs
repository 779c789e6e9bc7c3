// Checks the package as a user gets it: packs it once, lints the tarball with
// publint and Are the Types Wrong, then installs it into a new project outside
// the repository (only xstate comes from the npm cache or registry) and uses it
// there by name: the Go doc example from ESM, the export list, `require` where
// Node can load ES modules that way, a TypeScript consumer type-checked
// against the shipped declarations, and source maps that lead to shipped files.
//
// It packs a copy of the sources in a temporary directory, so that runs at
// the same time (and the repository's own dist/) do not step on each other;
// the copy's `npm pack` runs the package's own prepack build.
//
// Usage: node scripts/check-package.mjs   (KEEP=1 keeps the temporary project)
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = (name) => join(repo, 'node_modules', '.bin', name);
const work = mkdtempSync(join(tmpdir(), 'xstate-workpool-package-'));

/** What a clean checkout needs to build and pack the package. */
const packageSources = [
  'package.json',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  'tsconfig.json',
  'tsconfig.build.json',
  'src',
  // The build writes the Redis scripts' module from src/redis/scripts/*.lua.
  'scripts/build-redis-scripts.mjs',
];

/** The runtime exports, so that adding or losing one is a deliberate change. */
const exportedValues = [
  'LeaseLostError',
  'LeaseRevokedError',
  'PoolStoppedError',
  'createPool',
  'groupMachine',
  'listenToPool',
  'poolMachine',
  'zeroLease',
];

/** The runtime exports of the `xstate-workpool/metrics` subpath. */
const metricsExportedValues = [
  'attributeNames',
  'durationBuckets',
  'instrumentPool',
  'instrumentSource',
  'metricNames',
];

function step(title, fn) {
  process.stdout.write(`check-package: ${title}\n`);
  fn();
}

/** Runs a command, showing its output only if it fails. Returns its stdout. */
function run(command, args, cwd) {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    process.stderr.write(
      `\n$ ${command} ${args.join(' ')}   (in ${cwd})\n${error.stdout ?? ''}${error.stderr ?? ''}\n`,
    );
    throw new Error(`check-package: \`${command} ${args.join(' ')}\` failed with status ${error.status}`);
  }
}

function expectEqual(what, actual, expected) {
  if (actual !== expected) {
    throw new Error(`check-package: ${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

const goDocExample = `// The Go package's doc example, as a user of the published package writes it.
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool } from 'xstate-workpool';

const pool = createPool();
// create two keys with different target counts
pool.set('spam', 2);
pool.set('eggs', 1);
// track how many workers are spawned for each key
const counts = new Map();
await Promise.all(
  Array.from({ length: 12 }, async () => {
    const lease = await pool.acquire();
    try {
      // in order to demonstrate the differing spawn rates we need
      // work to take some time, otherwise pool will end up granting
      // leases in a "round robin" fashion.
      await sleep(10);
      counts.set(lease.key, (counts.get(lease.key) ?? 0) + 1);
    } finally {
      lease.release();
    }
  }),
);
pool.stop();
// exact counts will vary, but leases with key \`spam\`
// will end up being generated approximately twice as
// often as leases with key \`eggs\`.
console.log(counts.get('spam') > counts.get('eggs'));
`;

const listExports = `const names = Object.keys(await import('xstate-workpool')).sort();
console.log(names.join(','));
`;

const listMetricsExports = `const names = Object.keys(await import('xstate-workpool/metrics')).sort();
console.log(names.join(','));
`;

/** The runtime exports of the `xstate-workpool/inspect` subpath. */
const inspectExportedValues = ['InspectRelayError', 'startInspectRelay', 'startInspectSession'];

// Without its optional peers the subpath still imports; a relay says which peer to install.
const listInspectExports = `const inspect = await import('xstate-workpool/inspect');
await inspect.startInspectRelay({ port: 0 }).then(
  () => {
    throw new Error('a relay started without ws');
  },
  (error) => {
    if (!/npm install ws/.test(error.message)) throw error;
  },
);
console.log(Object.keys(inspect).sort().join(','));
`;

const inspectSession = `import { createPool } from 'xstate-workpool';
import { startInspectSession } from 'xstate-workpool/inspect';
import { WebSocket } from 'ws';

const session = await startInspectSession({ port: 0 });
const watcher = new WebSocket(session.pageUrl.replace('http:', 'ws:'));
const names = [];
watcher.on('message', (data) => {
  const message = JSON.parse(data.toString());
  if (message.type === '@xstate.actor') names.push(message.name);
});
await new Promise((resolve, reject) => {
  watcher.once('open', resolve);
  watcher.once('error', reject);
});
const pool = createPool({ inspect: session.inspect });
pool.set('spam', 1);
pool.tryAcquire()?.release();
pool.stop();
await session.close();
console.log(names.includes('pool') && names.includes('group:spam'));
`;

const metricsWithTheApi = `import { metrics } from '@opentelemetry/api';
import { createPool } from 'xstate-workpool';
import { instrumentPool } from 'xstate-workpool/metrics';

const pool = createPool();
const handle = instrumentPool(pool, { meter: metrics.getMeter('consumer'), keyAttribute: (key) => String(key) });
pool.set('spam', 1);
pool.tryAcquire()?.release();
handle.remove();
pool.stop();
console.log(pool.get('spam').target === 1);
`;

/** The runtime exports of the Redis subpath; it loads no Redis client (the caller passes one). */
const exportedRedisValues = [
  'ForeignValueError',
  'LeaseLostError',
  'LeaseRevokedError',
  'PoolStoppedError',
  'RedisPoolError',
  'createRedisPool',
];

const listRedisExports = `const redis = await import('xstate-workpool/redis');
const main = await import('xstate-workpool');
if (redis.LeaseRevokedError !== main.LeaseRevokedError || redis.LeaseLostError !== main.LeaseLostError) {
  throw new Error('the error classes of the two entry points differ');
}
await redis.createRedisPool({ redis: {}, name: 'n' }).catch((error) => {
  if (!(error instanceof TypeError)) throw error;
});
console.log(Object.keys(redis).sort().join(','));
`;

const requireFromCommonJs = `const { createPool, PoolStoppedError } = require('xstate-workpool');
const pool = createPool();
pool.stop();
pool.acquire().catch((error) => console.log(error instanceof PoolStoppedError));
`;

const typescriptConsumer = `import { createPool, type Counts, type Lease, PoolStoppedError } from 'xstate-workpool';

type Key = 'spam' | 'eggs';
const pool = createPool<Key>({ signal: AbortSignal.timeout(1_000) });
pool.set('spam', 2);
const counts: Counts = pool.get('spam');
const lease: Lease<Key> | undefined = pool.tryAcquire({ key: 'spam' });
export async function work(): Promise<number> {
  using held = await pool.acquire({ key: 'eggs' });
  const key: Key = held.key;
  return key.length + counts.target + (lease?.id ?? 0);
}
export const stopped: Error = new PoolStoppedError();
// @ts-expect-error: 'ham' is not a key of this pool
pool.set('ham', 1);

import { createRedisPool, LeaseLostError, type RedisLease, type RedisPool } from 'xstate-workpool/redis';
export async function fleet(redis: unknown): Promise<number> {
  const shared: RedisPool<Key> = await createRedisPool<Key>({ redis, name: 'crawler', leaseTtl: 10_000 });
  await using held: RedisLease<Key> = await shared.acquire({ key: 'spam' });
  return held.id + (held.signal.reason instanceof LeaseLostError ? 1 : 0);
}
`;

try {
  let tarball = '';
  step('npm pack a copy of the sources (its prepack builds dist)', () => {
    const stage = join(work, 'stage');
    for (const name of packageSources) cpSync(join(repo, name), join(stage, name), { recursive: true });
    symlinkSync(join(repo, 'node_modules'), join(stage, 'node_modules'), 'dir');
    run('npm', ['pack', '--silent', '--pack-destination', work], stage);
    const packed = readdirSync(work).filter((name) => name.endsWith('.tgz'));
    expectEqual('tarballs packed', packed.length, 1);
    tarball = join(work, packed[0]);
  });

  step('publint --strict', () => {
    run(bin('publint'), ['run', tarball, '--strict'], repo);
  });

  // ESM-only on purpose; see the esm-only profile in the report of issue 5
  // and the README's FAQ. The profile leaves out `require` under node10 and
  // node16, which resolve to ESM by design.
  step('attw --profile esm-only', () => {
    run(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'ascii'], repo);
  });

  const consumer = join(work, 'consumer');
  step('install the tarball into a new project', () => {
    mkdirSync(consumer);
    writeFileSync(
      join(consumer, 'package.json'),
      `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`,
    );
    run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], consumer);
  });

  step('import it by name from ESM: the export list', () => {
    writeFileSync(join(consumer, 'exports.mjs'), listExports);
    expectEqual('runtime exports', run('node', ['exports.mjs'], consumer).trim(), exportedValues.join(','));
  });

  step('import the metrics subpath without OpenTelemetry installed: the export list', () => {
    writeFileSync(join(consumer, 'metrics-exports.mjs'), listMetricsExports);
    expectEqual(
      'metrics exports',
      run('node', ['metrics-exports.mjs'], consumer).trim(),
      metricsExportedValues.join(','),
    );
  });

  step('instrument a pool with the OpenTelemetry API installed (its no-op meter)', () => {
    run(
      'npm',
      ['install', '@opentelemetry/api@1.9', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      consumer,
    );
    writeFileSync(join(consumer, 'metrics.mjs'), metricsWithTheApi);
    expectEqual('the metrics example prints', run('node', ['metrics.mjs'], consumer), 'true\n');
  });

  step('import the Redis subpath by name: the export list', () => {
    writeFileSync(join(consumer, 'redis-exports.mjs'), listRedisExports);
    expectEqual(
      'runtime exports of xstate-workpool/redis',
      run('node', ['redis-exports.mjs'], consumer).trim(),
      exportedRedisValues.join(','),
    );
  });

  step('import the inspect subpath without ws or @statelyai/inspect installed: the export list', () => {
    writeFileSync(join(consumer, 'inspect-exports.mjs'), listInspectExports);
    expectEqual(
      'runtime exports of xstate-workpool/inspect',
      run('node', ['inspect-exports.mjs'], consumer).trim(),
      inspectExportedValues.join(','),
    );
  });

  step('watch a pool through an inspect session with its peers installed', () => {
    run(
      'npm',
      ['install', 'ws@8', '@statelyai/inspect@0.7', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      consumer,
    );
    writeFileSync(join(consumer, 'inspect-session.mjs'), inspectSession);
    expectEqual('the inspect example prints', run('node', ['inspect-session.mjs'], consumer), 'true\n');
  });

  step('run the Go doc example', () => {
    writeFileSync(join(consumer, 'example.mjs'), goDocExample);
    expectEqual('the example prints', run('node', ['example.mjs'], consumer), 'true\n');
  });

  if (process.features.require_module) {
    step('require it from CommonJS (Node loads ES modules with require here)', () => {
      writeFileSync(join(consumer, 'require.cjs'), requireFromCommonJs);
      expectEqual('require works', run('node', ['require.cjs'], consumer), 'true\n');
    });
  } else {
    step(`skip require from CommonJS: Node ${process.version} cannot require ES modules`, () => {});
  }

  step('type-check a TypeScript consumer against the shipped declarations', () => {
    writeFileSync(join(consumer, 'consumer.ts'), typescriptConsumer);
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      `${JSON.stringify(
        {
          compilerOptions: {
            target: 'ES2022',
            lib: ['ES2022', 'ESNext.Disposable', 'DOM'],
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            noEmit: true,
            types: [],
          },
          files: ['consumer.ts'],
        },
        null,
        2,
      )}\n`,
    );
    run(bin('tsc'), ['-p', 'tsconfig.json'], consumer);
  });

  step('every source map carries its sources or leads to files in the package', () => {
    const installed = join(consumer, 'node_modules', 'xstate-workpool');
    const maps = readdirSync(installed, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.map'));
    if (maps.length === 0) throw new Error('check-package: no source maps in the package');
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(join(installed, map), 'utf8'));
      sources.forEach((source, i) => {
        if (typeof sourcesContent?.[i] === 'string') return;
        const file = resolve(installed, dirname(map), source);
        if (!existsSync(file)) throw new Error(`check-package: ${map} names ${source}, which the package lacks`);
      });
    }
  });

  process.stdout.write('check-package: all good\n');
} finally {
  if (process.env.KEEP) process.stdout.write(`check-package: kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}
