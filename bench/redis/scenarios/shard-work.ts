import { formatCount, formatRatio } from '../../harness/format.js';
import { median } from '../../harness/stats.js';
import type { Section } from '../../harness/table.js';
import { type RedisBenchContext, runName } from '../context.js';
import { Member } from '../fleet.js';
import type { SubjectName } from '../protocol.js';
import { type CommandCounts, commandDelta, readCommandCounts, scriptCallCount } from '../redis-info.js';
import { measureWindow } from '../window.js';
import { workCommands } from '../work-commands.js';

const MEMBERS = 4;
const WORKERS = 256;
const KEYS = 48;
const LIMIT = 2;

/** One subject's figures at one number of shards, medians over the rounds, with the rounds' range. */
export interface ShardWorkFigures {
  readonly subject: SubjectName;
  readonly shards: number;
  readonly cyclesPerSecond: number;
  readonly commandsPerCycle: number;
  readonly scriptCallsPerCycle: number;
  /** Redis' main thread per cycle, µs: median, and the rounds' lowest and highest. */
  readonly redisCpuPerCycle: number;
  readonly redisCpuRange: readonly [number, number];
  readonly memberCpuPerCycle: number;
}

/**
 * D9's "Redis work per cycle with n > 1 within 1.2× of n = 1": one
 * `redis-server`, 4 member processes sharing 256 workers, each cycle an
 * acquire → release of one of 48 keys (limit 2) picked at random, so 96
 * leases are out and the rest wait; the same workload on a pool of each of
 * `shardCounts` shards, rounds interleaving shard counts and clients.
 * Per cycle: Redis' main-thread CPU (`INFO cpu`), the commands it ran
 * (`INFO commandstats`, those inside scripts included), script calls.
 */
export async function shardWork(
  context: RedisBenchContext,
  shardCounts: readonly number[] = [1, 24],
): Promise<{ section: Section; figures: ShardWorkFigures[] }> {
  const rounds = context.quick ? 1 : 3;
  const durationMs = context.quick ? 1_000 : 3_000;
  const subjects = context.subjects.filter((s) => s.startsWith('workpool'));
  const keys = Array.from({ length: KEYS }, (_, i) => `tenant-${i}`);
  const members = Array.from({ length: MEMBERS }, () => new Member());
  const windows = new Map<string, { cycles: number; commands: CommandCounts; seconds: number; memberCpu: number }[]>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const subject of subjects) {
        for (let i = 0; i < shardCounts.length; i++) {
          const shards = shardCounts[(round + i) % shardCounts.length] as number;
          const config = {
            subject,
            url: context.url,
            name: runName(`shards-${shards}`, subject, round),
            key: 'unused',
            keys,
            limit: LIMIT,
            shards,
          };
          const w = await measureWindow(members, config, WORKERS / MEMBERS, durationMs, () =>
            readCommandCounts(context.admin),
          );
          const list = windows.get(`${subject}/${shards}`) ?? [];
          list.push({
            cycles: w.cycles,
            commands: commandDelta(w.before, w.after),
            seconds: w.seconds,
            memberCpu: w.memberCpuMicros,
          });
          windows.set(`${subject}/${shards}`, list);
        }
      }
    }
  } finally {
    await Promise.all(members.map((member) => member.exit()));
  }
  const figures: ShardWorkFigures[] = [];
  for (const subject of subjects) {
    for (const shards of shardCounts) {
      const list = windows.get(`${subject}/${shards}`) ?? [];
      const cpu = list.map((w) => w.commands.cpuMicros / w.cycles);
      figures.push({
        subject,
        shards,
        cyclesPerSecond: median(list.map((w) => w.cycles / w.seconds)),
        commandsPerCycle: median(list.map((w) => workCommands(w.commands) / w.cycles)),
        scriptCallsPerCycle: median(list.map((w) => scriptCallCount(w.commands) / w.cycles)),
        redisCpuPerCycle: median(cpu),
        redisCpuRange: [Math.min(...cpu), Math.max(...cpu)],
        memberCpuPerCycle: median(list.map((w) => w.memberCpu / w.cycles)),
      });
    }
  }
  const one = (subject: SubjectName) => figures.find((f) => f.subject === subject && f.shards === shardCounts[0]);
  return {
    figures,
    section: {
      title: `Shards on one server (D9): ${shardCounts.join(' against ')} shards`,
      note:
        `One redis-server; ${MEMBERS} member processes share ${WORKERS} workers; each cycle acquires one of ${KEYS} keys ` +
        `(limit ${LIMIT}) at random and releases it after one \`await\`. The same workload on a pool of each number ` +
        `of shards, rounds interleaved; a ${durationMs / 1_000} s window after a warm-up, median of ${rounds} rounds ` +
        `(Redis CPU: the rounds' range in brackets). Commands: \`INFO commandstats\`, those run inside scripts ` +
        `included, \`INFO\` left out. "vs ${shardCounts[0]}": this row's figure ÷ the ${shardCounts[0]}-shard row's.`,
      columns: [
        'subject',
        'shards',
        'cycles/s',
        'commands/cycle',
        'script calls/cycle',
        'Redis µs/cycle',
        `Redis vs ${shardCounts[0]}`,
        `commands vs ${shardCounts[0]}`,
        'members µs/cycle',
      ],
      rows: figures.map((f) => {
        const base = one(f.subject);
        return [
          f.subject,
          String(f.shards),
          formatCount(f.cyclesPerSecond),
          f.commandsPerCycle.toFixed(1),
          f.scriptCallsPerCycle.toFixed(2),
          `${f.redisCpuPerCycle.toFixed(1)} (${f.redisCpuRange[0].toFixed(1)}–${f.redisCpuRange[1].toFixed(1)})`,
          base ? formatRatio(f.redisCpuPerCycle / base.redisCpuPerCycle) : '–',
          base ? formatRatio(f.commandsPerCycle / base.commandsPerCycle) : '–',
          f.memberCpuPerCycle.toFixed(1),
        ];
      }),
    },
  };
}
