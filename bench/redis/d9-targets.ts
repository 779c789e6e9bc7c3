import { formatRatio } from '../harness/format.js';
import type { Section } from '../harness/table.js';
import type { ClusterSpreadFigures } from './scenarios/cluster-spread.js';
import type { ShardWorkFigures } from './scenarios/shard-work.js';

/** The D9 figures a run measured (a part left out with its `--…-only` flag is undefined). */
export interface D9Figures {
  readonly shardWork?: readonly ShardWorkFigures[];
  readonly cluster?: readonly ClusterSpreadFigures[];
}

const row = (target: string, figure: string, met: boolean) => [target, figure, met ? 'met' : '**not met**'];

/** The one-shard pool's relay in the same run, for comparison: classic PUBLISH is broadcast to every node. */
function classic(cluster: readonly ClusterSpreadFigures[]): string {
  const one = cluster.find((c) => c.shards === 1);
  return one ? ` (1 shard, classic PUBLISH: ${one.busPerNotice.toFixed(2)} bus messages per notice)` : '';
}

/** DISTRIBUTED.md D9's Scale targets against this run's figures, or undefined when no part of them ran. */
export function d9TargetsSection(f: D9Figures): Section | undefined {
  const rows: string[][] = [];
  const work = f.shardWork ?? [];
  for (const sharded of work.filter((w) => w.shards > 1)) {
    const one = work.find((w) => w.subject === sharded.subject && w.shards === 1);
    if (!one) continue;
    const cpu = sharded.redisCpuPerCycle / one.redisCpuPerCycle;
    const commands = sharded.commandsPerCycle / one.commandsPerCycle;
    rows.push(
      row(
        `${sharded.subject}: Redis work per cycle with ${sharded.shards} shards ≤ 1.2× that of 1 (one server)`,
        `CPU ${sharded.redisCpuPerCycle.toFixed(1)} vs ${one.redisCpuPerCycle.toFixed(1)} µs (${formatRatio(cpu)}); ` +
          `commands ${sharded.commandsPerCycle.toFixed(1)} vs ${one.commandsPerCycle.toFixed(1)} (${formatRatio(commands)})`,
        cpu <= 1.2 && commands <= 1.2,
      ),
    );
  }
  for (const c of (f.cluster ?? []).filter((c) => c.shards > 1)) {
    rows.push(
      row(
        `3-master Cluster, 1,000 busy keys over ${c.shards} shards: every master's Redis CPU and commands ≤ 1.5× the mean`,
        `CPU max/mean ${formatRatio(c.cpuMaxOverMean)} (rounds ${formatRatio(c.cpuMaxOverMeanRange[0])}–` +
          `${formatRatio(c.cpuMaxOverMeanRange[1])}), commands ${formatRatio(c.commandsMaxOverMean)}; shares ` +
          c.masters.map((m) => `${(m.cpuShare * 100).toFixed(0)} %`).join(' / '),
        c.cpuMaxOverMeanRange[1] <= 1.5 && c.commandsMaxOverMean <= 1.5,
      ),
    );
    const relayed = c.masters.reduce((sum, m) => sum + m.busSentPerGrant, 0);
    const published = c.masters.reduce((sum, m) => sum + m.noticesPerGrant, 0);
    rows.push(
      row(
        `${c.shards} shards: a grant's notice stays on its shard's master (SPUBLISH, nothing over the cluster bus)`,
        `${published.toFixed(3)} notices/grant, ${relayed.toFixed(3)} bus messages/grant${classic(f.cluster ?? [])}`,
        relayed === 0,
      ),
    );
  }
  if (rows.length === 0) return undefined;
  return {
    title: 'D9 targets (shards)',
    note: "DISTRIBUTED.md D9's Scale targets against this run's figures.",
    columns: ['target', 'this run', 'status'],
    rows,
  };
}
