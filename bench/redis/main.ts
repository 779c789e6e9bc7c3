/**
 * `npm run bench:redis`: Redis mode against its peers, side by side on one
 * `redis-server` that the run starts (loopback, free port, no persistence)
 * and stops: handoff latency between two processes, contended throughput
 * and Redis work per cycle with 4 member processes, Redis memory per idle
 * key. `-- --write` also rewrites the "Redis mode" section of
 * bench/RESULTS.md; `-- --quick` is a short smoke run, not for the record;
 * `-- --metrics-only` measures only what `instrumentPool` costs a member;
 * `-- --contended-only` runs only the contended scenario (throughput, Redis
 * work and CPU per cycle); `-- --baseline=<bundle>` also measures another
 * build of ours (an esbuild bundle of another commit's `src/redis/index.ts`
 * under bench/.build), interleaved with the rest, as `baseline (…)`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis as IORedis } from 'ioredis';
import { installRedisHint, redisServerOnPath, startRedisServer } from '../../demo/redis-server.js';
import { currentEnvironment } from '../harness/environment.js';
import { type Section, sectionToMarkdown, sectionToText } from '../harness/table.js';
import type { RedisBenchContext } from './context.js';
import { baselineNames, type SubjectName, subjectNames } from './protocol.js';
import { writeRedisSection } from './results-file.js';
import { contended } from './scenarios/contended.js';
import { handoffLatency } from './scenarios/handoff.js';
import { idleKeyMemory } from './scenarios/memory.js';
import { metricsCost } from './scenarios/metrics-cost.js';
import { loadRedisPoolModule } from './subjects.js';
import { redisTargetsSection } from './targets.js';

const argv = process.argv.slice(2);
const baseline = argv.find((arg) => arg.startsWith('--baseline='))?.slice('--baseline='.length);
const args = new Set(argv.filter((arg) => !arg.startsWith('--baseline=')));
for (const arg of args) {
  if (!['--write', '--quick', '--peers-only', '--metrics-only', '--contended-only'].includes(arg))
    throw new TypeError(
      `Unknown option \`${arg}\`; expected \`--write\`, \`--quick\`, \`--peers-only\`, \`--metrics-only\`, ` +
        `\`--contended-only\` or \`--baseline=<bundle>\``,
    );
}
if (baseline !== undefined) {
  if (args.has('--write')) throw new TypeError('A run with `--baseline` writes no section: drop `--write`');
  // The member processes inherit it: they load the baseline from there.
  process.env.BENCH_REDIS_BASELINE = resolve(baseline);
}
const contendedOnly = args.has('--contended-only');
if (contendedOnly && args.has('--write')) throw new TypeError('`--contended-only` writes no section: drop `--write`');
const quick = args.has('--quick');
if (quick && args.has('--write')) throw new TypeError('`--quick` figures are not for the record: drop `--write`');
const metricsOnly = args.has('--metrics-only');
if (metricsOnly && args.has('--write')) throw new TypeError('`--metrics-only` writes no section: drop `--write`');
if (!redisServerOnPath()) {
  console.error(`bench:redis: ${installRedisHint}`);
  process.exit(1);
}

const started = performance.now();
const environment = currentEnvironment();
let source: string | undefined;
if (!args.has('--peers-only')) {
  try {
    source = (await loadRedisPoolModule()).source;
  } catch (error) {
    console.warn(`xstate-workpool/redis did not load, measuring the peers only: ${(error as Error).message}`);
  }
}
const subjects: SubjectName[] = [
  ...subjectNames.filter((name) => source !== undefined || !name.startsWith('workpool')),
  ...(baseline === undefined ? [] : baselineNames),
];
const server = await startRedisServer();
const admin = new IORedis(server.port, '127.0.0.1');
const redisVersion = /^redis_version:(\S+)/m.exec(await admin.info('server'))?.[1] ?? 'unknown';
const context: RedisBenchContext = { url: server.url, admin, subjects, quick };
const header =
  `Taken ${environment.date} with Node ${environment.node} and redis-server ${redisVersion} (loopback, no persistence) ` +
  `on ${environment.cores} cores (${environment.cpu}), shared by Redis, the member processes and the benchmark; ` +
  `1-minute load average ${environment.loadAverage.toFixed(1)} at the start`;
console.log(`xstate-workpool Redis-mode benchmarks — ${header}`);
console.log(`measuring ${source ?? 'the peers only'}\n`);

const sections: Section[] = [];
const show = (section: Section) => {
  console.log(sectionToText(section));
  sections.push(section);
};
try {
  if (metricsOnly) {
    if (source !== undefined) show((await metricsCost(context)).section);
    process.exitCode = source === undefined ? 1 : 0;
  } else if (contendedOnly) {
    for (const section of (await contended(context, [64, 256])).sections) show(section);
  } else await fullRun();
} finally {
  admin.disconnect();
  await server.stop();
}

async function fullRun(): Promise<void> {
  const handoff = await handoffLatency(context);
  show(handoff.section);
  const work = await contended(context, [64, 256]);
  for (const section of work.sections) show(section);
  const memory = await idleKeyMemory(context, source !== undefined);
  show(memory.section);
  if (source !== undefined) show((await metricsCost(context)).section);
  const targets =
    source === undefined
      ? undefined
      : redisTargetsSection({ handoff: handoff.figures, contended: work.figures, memory: memory.figures });
  if (targets) console.log(sectionToText(targets));
  const seconds = (performance.now() - started) / 1000;
  console.log(`whole run: ${seconds.toFixed(0)} s`);

  if (args.has('--write')) {
    const notes = readFileSync(new URL('./NOTES.md', import.meta.url), 'utf8').trim();
    const markdown = [
      '## Redis mode',
      '',
      '<!-- Generated by `npm run bench:redis -- --write` from bench/redis/; edit those, not this section. -->',
      '',
      `${header}; measured: ${source}; whole run ${seconds.toFixed(0)} s. Command: \`npm run bench:redis -- --write\`.`,
      '',
      ...(targets ? [sectionToMarkdown(targets)] : []),
      ...sections.map(sectionToMarkdown),
      notes,
    ].join('\n');
    writeRedisSection(new URL('../RESULTS.md', import.meta.url), markdown);
    console.log('wrote the "Redis mode" section of bench/RESULTS.md');
  }
}
