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
 *
 * Shards (DISTRIBUTED.md D9), also in the full run: `-- --shards-only`
 * measures Redis work per cycle of a 24-shard pool against a 1-shard one on
 * one server; `-- --cluster-only` starts a 3-master Cluster and measures
 * each master's share of 1,000 busy keys over 24 shards and the pub/sub
 * messages each relays per grant (24 shards against 1); `-- --heartbeat-only`
 * measures what a heartbeat round of an idle member costs Redis with 24
 * shards against 1; `-- --d9-only` runs those three.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis as IORedis } from 'ioredis';
import { installRedisHint, redisServerOnPath, startRedisServer } from '../../demo/redis-server.js';
import { currentEnvironment } from '../harness/environment.js';
import { type Section, sectionToMarkdown, sectionToText } from '../harness/table.js';
import type { RedisBenchContext } from './context.js';
import { type D9Figures, d9TargetsSection } from './d9-targets.js';
import { baselineNames, type SubjectName, subjectNames } from './protocol.js';
import { writeRedisSection } from './results-file.js';
import { clusterSpread } from './scenarios/cluster-spread.js';
import { contended } from './scenarios/contended.js';
import { handoffLatency } from './scenarios/handoff.js';
import { heartbeatCost } from './scenarios/heartbeat-cost.js';
import { idleKeyMemory } from './scenarios/memory.js';
import { metricsCost } from './scenarios/metrics-cost.js';
import { shardWork } from './scenarios/shard-work.js';
import { loadRedisPoolModule } from './subjects.js';
import { redisTargetsSection } from './targets.js';

const argv = process.argv.slice(2);
const baseline = argv.find((arg) => arg.startsWith('--baseline='))?.slice('--baseline='.length);
const args = new Set(argv.filter((arg) => !arg.startsWith('--baseline=')));
/** The flags that run one part only (and write no section). */
const onlyFlags = [
  '--metrics-only',
  '--contended-only',
  '--shards-only',
  '--cluster-only',
  '--heartbeat-only',
  '--d9-only',
] as const;
const only = onlyFlags.filter((flag) => args.has(flag));
if (only.length > 1) throw new TypeError(`Choose one of ${only.join(', ')}`);
if (only.length > 0 && args.has('--write')) throw new TypeError(`\`${only[0]}\` writes no section: drop \`--write\``);
for (const arg of args) {
  if (!['--write', '--quick', '--peers-only', ...onlyFlags].includes(arg))
    throw new TypeError(
      `Unknown option \`${arg}\`; expected \`--write\`, \`--quick\`, \`--peers-only\`, ` +
        `${onlyFlags.map((flag) => `\`${flag}\``).join(', ')} or \`--baseline=<bundle>\``,
    );
}
if (baseline !== undefined) {
  if (args.has('--write')) throw new TypeError('A run with `--baseline` writes no section: drop `--write`');
  // The member processes inherit it: they load the baseline from there.
  process.env.BENCH_REDIS_BASELINE = resolve(baseline);
}
const contendedOnly = args.has('--contended-only');
const d9 = {
  shards: args.has('--shards-only') || args.has('--d9-only'),
  cluster: args.has('--cluster-only') || args.has('--d9-only'),
  heartbeat: args.has('--heartbeat-only') || args.has('--d9-only'),
};
const quick = args.has('--quick');
if (quick && args.has('--write')) throw new TypeError('`--quick` figures are not for the record: drop `--write`');
const metricsOnly = args.has('--metrics-only');
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
  } else if (d9.shards || d9.cluster || d9.heartbeat) {
    if (source === undefined) throw new Error('the D9 parts measure ours only, which did not load');
    const targets = d9TargetsSection(await d9Parts(d9));
    if (targets) console.log(sectionToText(targets));
  } else await fullRun();
} finally {
  admin.disconnect();
  await server.stop();
}

/** The D9 parts asked for, each section shown as it is done. */
async function d9Parts(parts: { shards: boolean; cluster: boolean; heartbeat: boolean }): Promise<D9Figures> {
  const figures: { -readonly [K in keyof D9Figures]: D9Figures[K] } = {};
  if (parts.shards) {
    const work = await shardWork(context);
    show(work.section);
    figures.shardWork = work.figures;
  }
  if (parts.cluster) {
    const spread = await clusterSpread(context);
    for (const section of spread.sections) show(section);
    figures.cluster = spread.figures;
  }
  if (parts.heartbeat) show((await heartbeatCost(context)).section);
  return figures;
}

async function fullRun(): Promise<void> {
  const handoff = await handoffLatency(context);
  show(handoff.section);
  const work = await contended(context, [64, 256]);
  for (const section of work.sections) show(section);
  const memory = await idleKeyMemory(context, source !== undefined);
  show(memory.section);
  if (source !== undefined) show((await metricsCost(context)).section);
  const d9Targets =
    source === undefined
      ? undefined
      : d9TargetsSection(await d9Parts({ shards: true, cluster: true, heartbeat: true }));
  const targets =
    source === undefined
      ? undefined
      : redisTargetsSection({ handoff: handoff.figures, contended: work.figures, memory: memory.figures });
  if (targets) console.log(sectionToText(targets));
  if (d9Targets) console.log(sectionToText(d9Targets));
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
      ...(d9Targets ? [sectionToMarkdown(d9Targets)] : []),
      ...sections.map(sectionToMarkdown),
      notes,
    ].join('\n');
    writeRedisSection(new URL('../RESULTS.md', import.meta.url), markdown);
    console.log('wrote the "Redis mode" section of bench/RESULTS.md');
  }
}
