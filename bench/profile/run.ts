/**
 * `npm run bench:profile`: runs each workload of `workload.ts` in its own
 * `node --cpu-prof` process and shows where its CPU time went (self time
 * by share: XState, GC, this package, the rest; and the top functions).
 * `bench/main.ts --write` puts the same tables in RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatCount } from '../harness/format.js';
import { type Section, sectionToText } from '../harness/table.js';
import { type ProfileSummary, type Share, summarizeProfile } from './summary.js';

/** The workloads of workload.ts, with the V8 flags to run them under. */
const RUNS = [
  { workload: 'handoff', flags: [], title: 'handoff cycle (scenario 1)' },
  {
    workload: 'handoff',
    flags: ['--no-allocation-site-pretenuring'],
    title: 'handoff cycle, V8 flag `--no-allocation-site-pretenuring`',
  },
  { workload: 'try', flags: [], title: '`tryAcquire()`→`release()`' },
  { workload: 'set', flags: [], title: '`set()` of 100k keys, then `set(key, 0)` of each (ops: both)' },
] as const;
const SHARES: readonly Share[] = ['XState engine', 'garbage collector', 'this package', 'Node and the benchmark'];

/** Profiles one workload in a child process; summarizes its profile and reads the rate it printed. */
export function profileWorkload(
  workload: string,
  flags: readonly string[] = [],
): ProfileSummary & { readonly opsPerSecond: number } {
  const dir = mkdtempSync(join(tmpdir(), 'workpool-profile-'));
  try {
    const script = fileURLToPath(new URL('./workload.ts', import.meta.url));
    const child = spawnSync(
      process.execPath,
      [...flags, '--cpu-prof', '--cpu-prof-dir', dir, '--import', 'tsx', script, workload],
      { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
    );
    if (child.status !== 0) throw new Error(`Profiling \`${workload}\` failed with exit code ${child.status}`);
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error(`Profiling \`${workload}\` wrote no .cpuprofile`);
    const lastLine = child.stdout.trim().split('\n').at(-1) ?? '{}';
    const { opsPerSecond } = JSON.parse(lastLine) as { opsPerSecond: number };
    return { ...summarizeProfile(JSON.parse(readFileSync(join(dir, file), 'utf8'))), opsPerSecond };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const percent = (fraction: number | undefined) => `${((fraction ?? 0) * 100).toFixed(0)}%`;

/** Profiles every workload; returns a table of shares and one of each workload's top functions. */
export function profileSections(): Section[] {
  const summaries = RUNS.map((run) => [run.title, profileWorkload(run.workload, run.flags)] as const);
  const shares: Section = {
    title: 'Where the time goes (`node --cpu-prof`, self time)',
    note:
      'Each workload in its own process under `node --cpu-prof` (`npm run bench:profile`); idle time left out. ' +
      'ops/s is that of the profiled run, slower than the tables above.',
    columns: ['workload', 'ops/s', ...SHARES],
    rows: summaries.map(([title, s]) => [
      title,
      formatCount(s.opsPerSecond),
      ...SHARES.map((share) => percent(s.shares.get(share))),
    ]),
  };
  const top: Section = {
    title: 'Top functions by self time',
    note: 'The eight functions with the most self time in each workload.',
    columns: ['workload', 'functions (self time)'],
    rows: summaries.map(([title, s]) => [
      title,
      s.top
        .slice(0, 8)
        .map((f) => `${f.name} ${percent(f.share)}`)
        .join('; '),
    ]),
  };
  return [shares, top];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const section of profileSections()) console.log(sectionToText(section));
}
