import { formatRatio } from '../harness/format.js';
import type { Section } from '../harness/table.js';
import { formatLatency } from './context.js';
import { isPeer, type SubjectName } from './protocol.js';
import type { ContendedFigures } from './scenarios/contended.js';
import type { HandoffFigures } from './scenarios/handoff.js';
import type { MemoryFigures } from './scenarios/memory.js';

/** Everything the targets are checked against. */
export interface RedisFigures {
  readonly handoff: ReadonlyMap<SubjectName, HandoffFigures>;
  readonly contended: ReadonlyMap<SubjectName, readonly ContendedFigures[]>;
  readonly memory: readonly MemoryFigures[];
}

const ours = (subject: string) => subject.startsWith('workpool');

/** Issue #11's targets for Redis mode, each with this run's figure and whether it is met, per client of ours. */
export function redisTargetsSection(f: RedisFigures): Section {
  const row = (target: string, figure: string, met: boolean) => [target, figure, met ? 'met' : '**not met**'];
  const rows: string[][] = [];
  const peers = [...f.contended].filter(([subject]) => isPeer(subject));
  const bestPeerRate = Math.max(...peers.map(([, list]) => (list[0] as ContendedFigures).cyclesPerSecond));
  const bestPeerName = peers.find(([, list]) => (list[0] as ContendedFigures).cyclesPerSecond === bestPeerRate)?.[0];
  const leastPeerWork = (index: number) =>
    Math.min(...peers.map(([, list]) => (list[index] as ContendedFigures).commandsPerCycle));
  for (const [subject, handoff] of f.handoff) {
    if (!ours(subject)) continue;
    rows.push(
      row(
        `${subject}: handoff p50 ≤ 1 ms, p99 ≤ 5 ms`,
        `p50 ${formatLatency(handoff.p50)}, p99 ${formatLatency(handoff.p99)}`,
        handoff.p50 <= 1 && handoff.p99 <= 5,
      ),
    );
  }
  for (const [subject, list] of f.contended) {
    if (!ours(subject)) continue;
    const [low, high] = [list[0] as ContendedFigures, list.at(-1) as ContendedFigures];
    rows.push(
      row(
        `${subject}: contended cycles/s ≥ best peer's`,
        `${Math.round(low.cyclesPerSecond)}/s = ${formatRatio(low.cyclesPerSecond / bestPeerRate)} of ${bestPeerName}`,
        low.cyclesPerSecond >= bestPeerRate,
      ),
    );
    const growth = high.commandsPerCycle / low.commandsPerCycle;
    rows.push(
      row(
        `${subject}: Redis commands per cycle flat (≤ 1.3× from ${low.workers} to ${high.workers} workers) and ≤ best peer's`,
        `${low.commandsPerCycle.toFixed(1)} → ${high.commandsPerCycle.toFixed(1)} (${formatRatio(growth)}); ` +
          `best peer ${leastPeerWork(0).toFixed(1)} → ${leastPeerWork(list.length - 1).toFixed(1)}`,
        growth <= 1.3 &&
          low.commandsPerCycle <= leastPeerWork(0) &&
          high.commandsPerCycle <= leastPeerWork(list.length - 1),
      ),
    );
    const semaphore = f.contended.get('redis-semaphore');
    if (semaphore) {
      list.forEach((mine, i) => {
        const theirs = semaphore[i] as ContendedFigures;
        rows.push(
          row(
            `${subject}: Redis CPU and member CPU per cycle ≤ redis-semaphore's (${mine.workers} workers)`,
            `Redis ${mine.redisCpuPerCycle.toFixed(1)} µs vs ${theirs.redisCpuPerCycle.toFixed(1)} µs; ` +
              `members ${mine.memberCpuPerCycle.toFixed(1)} µs vs ${theirs.memberCpuPerCycle.toFixed(1)} µs`,
            mine.redisCpuPerCycle <= theirs.redisCpuPerCycle && mine.memberCpuPerCycle <= theirs.memberCpuPerCycle,
          ),
        );
      });
    }
  }
  for (const memory of f.memory) {
    if (!ours(memory.subject)) continue;
    rows.push(
      row(
        `${memory.subject}: ≤ 200 B of Redis memory per idle key`,
        `${Math.round(memory.bytesPerKey)} B (MEMORY USAGE), ${Math.round(memory.usedMemoryPerKey)} B (used_memory)`,
        memory.bytesPerKey <= 200 && memory.usedMemoryPerKey <= 200,
      ),
      row(
        `${memory.subject}: \`set\` of ${memory.keys.toLocaleString('en-US')} keys ≤ 3 s`,
        `${Math.round(memory.setMs)} ms`,
        memory.setMs <= 3_000,
      ),
    );
  }
  return {
    title: 'Issue #11 targets (Redis mode)',
    note: 'The targets of issue #11, against the figures of this run; the peers ran on the same Redis in the same run.',
    columns: ['target', 'this run', 'status'],
    rows,
  };
}
