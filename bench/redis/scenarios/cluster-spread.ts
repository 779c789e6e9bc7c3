import { Redis as IORedis } from 'ioredis';
import { poolTag } from '../../../src/redis/redis-keys.js';
import { shardTag, tagSlot } from '../../../src/redis/shards.js';
import { startRedisCluster } from '../../../test/fleet/cluster.js';
import { formatCount, formatRatio } from '../../harness/format.js';
import { median } from '../../harness/stats.js';
import type { Section } from '../../harness/table.js';
import { type RedisBenchContext, runName } from '../context.js';
import { Member } from '../fleet.js';
import { callsOf, type NodeStats, nodeDelta, readNodeStats } from '../node-stats.js';
import type { SubjectName } from '../protocol.js';
import { measureWindow } from '../window.js';
import { workCommands } from '../work-commands.js';

const MEMBERS = 4;
const WORKERS = 256;
const KEYS = 1_000;
const LIMIT = 1;
const SUBJECT: SubjectName = 'workpool (node-redis)';

/** One master's share of a pool's work on the Cluster, over the rounds of one number of shards. */
export interface MasterFigures {
  readonly port: number;
  /** The pool's shards whose slot it serves. */
  readonly shards: number;
  /** Its share of the masters' Redis CPU and of their commands (0..1), summed over the rounds. */
  readonly cpuShare: number;
  readonly commandShare: number;
  /** Per grant: notices it published (`PUBLISH` and `SPUBLISH` calls, from its scripts). */
  readonly noticesPerGrant: number;
  /** Per grant: pub/sub messages it sent to other nodes over the cluster bus (classic and sharded). */
  readonly busSentPerGrant: number;
  /** Per grant: classic pub/sub messages it received from other nodes over the bus. */
  readonly busReceivedPerGrant: number;
  /** Per grant: bytes it wrote to clients (replies and pub/sub messages). */
  readonly netOutputPerGrant: number;
}

/** One number of shards on the Cluster. */
export interface ClusterSpreadFigures {
  readonly shards: number;
  readonly cyclesPerSecond: number;
  /** The most loaded master's CPU (and commands) over the masters' mean, each round: median and range. */
  readonly cpuMaxOverMean: number;
  readonly cpuMaxOverMeanRange: readonly [number, number];
  readonly commandsMaxOverMean: number;
  /** The masters' main-thread CPU per cycle, summed, µs. */
  readonly redisCpuPerCycle: number;
  /** The member processes' CPU per cycle, µs (what bounds the cycles/s of this 2-core machine). */
  readonly memberCpuPerCycle: number;
  /** Pub/sub messages the masters sent each other over the cluster bus per notice published. */
  readonly busPerNotice: number;
  readonly masters: readonly MasterFigures[];
}

const maxOverMean = (values: readonly number[]) =>
  Math.max(...values) / (values.reduce((sum, v) => sum + v, 0) / values.length);

/**
 * D9 on a 3-master Redis Cluster (no replicas, started and stopped here):
 * 4 member processes (node-redis `createCluster()`) share 256 workers,
 * each cycle an acquire → release of one of 1,000 keys (limit 1) at
 * random, so a key is busy a quarter of the time and a quarter of the
 * acquires queue and are woken by a notice. The same workload on a pool of
 * 24 shards (notices by `SPUBLISH`) and of 1 shard (one master; notices by
 * classic `PUBLISH`, which a Cluster broadcasts to every node), rounds
 * interleaved. Per master, from its own `INFO` and `CLUSTER INFO`: its
 * share of the masters' Redis CPU and commands, and per grant the notices
 * it published and the messages it relayed over the cluster bus.
 */
export async function clusterSpread(
  context: RedisBenchContext,
  shardCounts: readonly number[] = [24, 1],
): Promise<{ sections: Section[]; figures: ClusterSpreadFigures[] }> {
  const rounds = context.quick ? 1 : 3;
  const durationMs = context.quick ? 1_000 : 3_000;
  const keys = Array.from({ length: KEYS }, (_, i) => `tenant-${i}`);
  const cluster = await startRedisCluster(3, 0);
  const nodes = cluster.masters.map((m) => new IORedis(m.port, '127.0.0.1'));
  const readAll = () => Promise.all(nodes.map((node) => readNodeStats(node, true)));
  // The pool's home keys (a one-shard pool's every key) on one master every round, so that rounds add up.
  const onFirstMaster = (stem: string) => {
    for (let j = 0; ; j++) {
      const name = `${stem}-${j}`;
      if (cluster.masterOf(tagSlot(poolTag('bench', name))) === cluster.masters[0]) return name;
    }
  };
  const members = Array.from({ length: MEMBERS }, () => new Member());
  const windows = new Map<
    number,
    { cycles: number; seconds: number; deltas: NodeStats[]; name: string; memberCpu: number }[]
  >();
  try {
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < shardCounts.length; i++) {
        const shards = shardCounts[(round + i) % shardCounts.length] as number;
        const name = onFirstMaster(runName(`cluster-${shards}`, SUBJECT, round));
        const config = {
          subject: SUBJECT,
          url: '',
          cluster: cluster.masters.map((m) => m.port),
          name,
          key: 'unused',
          keys,
          limit: LIMIT,
          shards,
        };
        const w = await measureWindow(members, config, WORKERS / MEMBERS, durationMs, readAll);
        const deltas = w.after.map((after, n) => nodeDelta(w.before[n] as NodeStats, after));
        const window = { cycles: w.cycles, seconds: w.seconds, deltas, name, memberCpu: w.memberCpuMicros };
        windows.set(shards, [...(windows.get(shards) ?? []), window]);
      }
    }
  } finally {
    await Promise.all(members.map((member) => member.exit()));
    for (const node of nodes) node.disconnect();
    await cluster.stop();
  }
  const figures = shardCounts.map((shards): ClusterSpreadFigures => {
    const list = windows.get(shards) ?? [];
    const grants = list.reduce((sum, w) => sum + w.cycles, 0);
    const sum = (n: number, of: (d: NodeStats) => number) => list.reduce((s, w) => s + of(w.deltas[n] as NodeStats), 0);
    const cpu = cluster.masters.map((_, n) => sum(n, (d) => d.cpuMicros));
    const commands = cluster.masters.map((_, n) => sum(n, workCommands));
    const cpuRatios = list.map((w) => maxOverMean(w.deltas.map((d) => d.cpuMicros)));
    // Every round's pool has the same shards on the same masters: shard i's slot is in the i-th range, whatever the name.
    const tagOf = (name: string, i: number) => shardTag(poolTag('bench', name), i, shards);
    const shardsOn = cluster.masters.map(
      (master) =>
        Array.from({ length: shards }, (_, i) => cluster.masterOf(tagSlot(tagOf(list[0]?.name ?? '', i)))).filter(
          (m) => m.port === master.port,
        ).length,
    );
    const all = (of: (d: NodeStats) => number) => cluster.masters.reduce((total, _, n) => total + sum(n, of), 0);
    return {
      shards,
      memberCpuPerCycle: median(list.map((w) => w.memberCpu / w.cycles)),
      redisCpuPerCycle: cpu.reduce((a, b) => a + b, 0) / grants,
      busPerNotice:
        all((d) => d.busPublishSent + d.busShardSent) / all((d) => callsOf(d, 'publish') + callsOf(d, 'spublish')),
      cyclesPerSecond: median(list.map((w) => w.cycles / w.seconds)),
      cpuMaxOverMean: median(cpuRatios),
      cpuMaxOverMeanRange: [Math.min(...cpuRatios), Math.max(...cpuRatios)],
      commandsMaxOverMean: maxOverMean(commands),
      masters: cluster.masters.map((master, n) => ({
        port: master.port,
        shards: shardsOn[n] as number,
        cpuShare: (cpu[n] as number) / cpu.reduce((a, b) => a + b, 0),
        commandShare: (commands[n] as number) / commands.reduce((a, b) => a + b, 0),
        noticesPerGrant: sum(n, (d) => callsOf(d, 'publish') + callsOf(d, 'spublish')) / grants,
        busSentPerGrant: sum(n, (d) => d.busPublishSent + d.busShardSent) / grants,
        busReceivedPerGrant: sum(n, (d) => d.busPublishReceived) / grants,
        netOutputPerGrant: sum(n, (d) => d.netOutputBytes) / grants,
      })),
    };
  });
  const note =
    `A 3-master Redis Cluster on loopback (no replicas); ${MEMBERS} member processes (node-redis \`createCluster()\`) ` +
    `share ${WORKERS} workers; each cycle acquires one of ${KEYS.toLocaleString('en-US')} keys (limit ${LIMIT}) at random and ` +
    `releases it after one \`await\`. The same workload on a pool of each number of shards, rounds interleaved; ` +
    `${durationMs / 1_000} s windows after a warm-up, ${rounds} rounds, summed per master. Each master's own \`INFO\` ` +
    `(main-thread CPU, \`commandstats\` with the commands inside scripts, \`total_net_output_bytes\`) and \`CLUSTER INFO\` ` +
    `(\`cluster_stats_messages_publish_sent\`/\`_received\`, \`…_publishshard_sent\`).`;
  return {
    figures,
    sections: [
      {
        title: 'Shards over a 3-master Cluster (D9): each master’s share',
        note:
          `${note} Redis µs/cycle: the masters' main-thread CPU summed ÷ cycles. "max/mean": the most loaded ` +
          `master over the masters' mean, per round (median, range).`,
        columns: [
          'shards',
          'cycles/s',
          'Redis µs/cycle',
          'members µs/cycle',
          'master',
          'shards on it',
          'Redis CPU share',
          'commands share',
          'CPU max/mean',
        ],
        rows: figures.flatMap((f) =>
          f.masters.map((m, n) => [
            n === 0 ? String(f.shards) : '',
            n === 0 ? formatCount(f.cyclesPerSecond) : '',
            n === 0 ? f.redisCpuPerCycle.toFixed(1) : '',
            n === 0 ? f.memberCpuPerCycle.toFixed(0) : '',
            String(m.port),
            String(m.shards),
            `${(m.cpuShare * 100).toFixed(1)} %`,
            `${(m.commandShare * 100).toFixed(1)} %`,
            n === 0
              ? `${formatRatio(f.cpuMaxOverMean)} (${formatRatio(f.cpuMaxOverMeanRange[0])}–${formatRatio(f.cpuMaxOverMeanRange[1])}); commands ${formatRatio(f.commandsMaxOverMean)}`
              : '',
          ]),
        ),
      },
      {
        title: 'Notices over a 3-master Cluster (D9): what each master relays per grant',
        note:
          `${note} Per grant (a cycle): the notices a master's scripts published (\`SPUBLISH\` with shards, classic ` +
          `\`PUBLISH\` with 1 shard), the pub/sub messages it sent to other nodes over the cluster bus and those it ` +
          `received from them, and the bytes it wrote to clients. A grant to the releasing member's own waiter rides ` +
          `in the reply and publishes nothing. "per notice": bus messages sent by all masters ÷ notices published.`,
        columns: [
          'shards',
          'per notice',
          'master',
          'notices published',
          'bus messages sent',
          'bus messages received',
          'bytes to clients',
        ],
        rows: figures.flatMap((f) =>
          f.masters.map((m, n) => [
            n === 0 ? String(f.shards) : '',
            n === 0 ? f.busPerNotice.toFixed(2) : '',
            String(m.port),
            m.noticesPerGrant.toFixed(3),
            m.busSentPerGrant.toFixed(3),
            m.busReceivedPerGrant.toFixed(3),
            `${m.netOutputPerGrant.toFixed(0)} B`,
          ]),
        ),
      },
    ],
  };
}
