import { setTimeout as sleep } from 'node:timers/promises';
import { formatRatio } from '../../harness/format.js';
import { median } from '../../harness/stats.js';
import type { Section } from '../../harness/table.js';
import { type RedisBenchContext, runName } from '../context.js';
import { Member } from '../fleet.js';
import type { SubjectName } from '../protocol.js';
import { commandDelta, readCommandCounts, scriptCallCount } from '../redis-info.js';
import { measureWindow } from '../window.js';
import { workCommands } from '../work-commands.js';

const MEMBERS = 4;
/** Short, so that a window holds many rounds: a heartbeat every 100 ms. */
const LEASE_TTL = 300;
/** The pool's default `leaseTtl`, for the cost at the default pace. */
const DEFAULT_LEASE_TTL = 30_000;

/** What one heartbeat round of one idle member costs, at one number of shards (medians over the rounds). */
export interface HeartbeatFigures {
  readonly subject: SubjectName;
  readonly shards: number;
  /** Rounds counted in the windows (script calls ÷ calls a round: 1, or shards + 1 with the home keys). */
  readonly rounds: number;
  /** Redis' main-thread CPU per round, µs, less what the server spends with no member (its cron, the bench's INFO). */
  readonly redisCpuPerRound: number;
  readonly redisCpuRange: readonly [number, number];
  readonly commandsPerRound: number;
  readonly scriptCallsPerRound: number;
  /** The member process's CPU per round, µs (its timers and the replies; the process idles otherwise). */
  readonly memberCpuPerRound: number;
}

/**
 * D9's "a member joins every shard: measure what it costs": one
 * `redis-server`, 4 idle member processes (joined, no lease, no waiter)
 * of a pool with `leaseTtl` 300 ms, so each heartbeats every 100 ms, on a
 * pool of each of `shardCounts` shards. A round is one script call on a
 * one-shard pool and shards + 1 (every shard and the home keys) on a
 * sharded one, all sent at once; what Redis spends with no member at all
 * (its cron, the bench's own `INFO`), measured in a window of its own, is
 * taken off.
 */
export async function heartbeatCost(
  context: RedisBenchContext,
  shardCounts: readonly number[] = [1, 24],
): Promise<{ section: Section; figures: HeartbeatFigures[] }> {
  const rounds = context.quick ? 1 : 3;
  const durationMs = context.quick ? 1_000 : 3_000;
  const subjects = context.subjects.filter((s) => s.startsWith('workpool'));
  const members = Array.from({ length: MEMBERS }, () => new Member());
  const samples = new Map<
    string,
    { rounds: number; cpu: number; commands: number; scripts: number; member: number }[]
  >();
  const background: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const before = await readCommandCounts(context.admin);
      await sleep(durationMs);
      const after = await readCommandCounts(context.admin);
      background.push(commandDelta(before, after).cpuMicros / (durationMs / 1_000));
      for (const subject of subjects) {
        for (let i = 0; i < shardCounts.length; i++) {
          const shards = shardCounts[(round + i) % shardCounts.length] as number;
          const config = {
            subject,
            url: context.url,
            name: runName(`beat-${shards}`, subject, round),
            key: 'unused',
            keys: [],
            limit: 1,
            shards,
            leaseTtl: LEASE_TTL,
          };
          const w = await measureWindow(members, config, 'idle', durationMs, () => readCommandCounts(context.admin));
          const delta = commandDelta(w.before, w.after);
          const scripts = scriptCallCount(delta);
          const beats = scripts / (shards === 1 ? 1 : shards + 1);
          const list = samples.get(`${subject}/${shards}`) ?? [];
          list.push({
            rounds: beats,
            cpu: delta.cpuMicros - median(background) * w.seconds,
            commands: workCommands(delta),
            scripts,
            member: w.memberCpuMicros,
          });
          samples.set(`${subject}/${shards}`, list);
        }
      }
    }
  } finally {
    await Promise.all(members.map((member) => member.exit()));
  }
  const figures: HeartbeatFigures[] = [];
  for (const subject of subjects) {
    for (const shards of shardCounts) {
      const list = samples.get(`${subject}/${shards}`) ?? [];
      const cpu = list.map((s) => s.cpu / s.rounds);
      figures.push({
        subject,
        shards,
        rounds: list.reduce((sum, s) => sum + s.rounds, 0),
        redisCpuPerRound: median(cpu),
        redisCpuRange: [Math.min(...cpu), Math.max(...cpu)],
        commandsPerRound: median(list.map((s) => s.commands / s.rounds)),
        scriptCallsPerRound: median(list.map((s) => s.scripts / s.rounds)),
        memberCpuPerRound: median(list.map((s) => s.member / s.rounds)),
      });
    }
  }
  const beatsPerSecond = 1_000 / Math.floor(DEFAULT_LEASE_TTL / 3);
  const base = (subject: SubjectName) => figures.find((f) => f.subject === subject && f.shards === shardCounts[0]);
  return {
    figures,
    section: {
      title: 'Heartbeat cost of a member (D9)',
      note:
        `One redis-server; ${MEMBERS} idle member processes (joined, nothing held or asked) of a pool with leaseTtl ` +
        `${LEASE_TTL} ms, heartbeating every ${Math.floor(LEASE_TTL / 3)} ms; ${durationMs / 1_000} s windows, median ` +
        `of ${rounds} interleaved rounds. A round is one script call with 1 shard, shards + 1 (each shard and the ` +
        `home keys, sent at once) otherwise. Redis µs: main-thread CPU per round less the server's own with no ` +
        `member (median ${median(background).toFixed(0)} µs/s this run; rounds' range in brackets). "per member at ` +
        `default": Redis CPU a member's heartbeats cost per second at the default leaseTtl (${DEFAULT_LEASE_TTL / 1_000} s: ` +
        `a round every ${Math.floor(DEFAULT_LEASE_TTL / 3) / 1_000} s), and the share of one Redis core 1,000 such members take.`,
      columns: [
        'subject',
        'shards',
        'rounds',
        'Redis µs/round',
        `vs ${shardCounts[0]}`,
        'commands/round',
        'script calls/round',
        'member µs/round',
        'per member at default',
        '1,000 members',
      ],
      rows: figures.map((f) => {
        const perSecond = f.redisCpuPerRound * beatsPerSecond;
        const one = base(f.subject);
        return [
          f.subject,
          String(f.shards),
          String(Math.round(f.rounds)),
          `${f.redisCpuPerRound.toFixed(0)} (${f.redisCpuRange[0].toFixed(0)}–${f.redisCpuRange[1].toFixed(0)})`,
          one ? formatRatio(f.redisCpuPerRound / one.redisCpuPerRound) : '–',
          f.commandsPerRound.toFixed(1),
          f.scriptCallsPerRound.toFixed(1),
          f.memberCpuPerRound.toFixed(0),
          `${perSecond.toFixed(1)} µs/s`,
          `${(((perSecond * 1_000) / 1e6) * 100).toFixed(2)} % of a core`,
        ];
      }),
    },
  };
}
