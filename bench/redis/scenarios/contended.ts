import { formatCount, formatRatio } from '../../harness/format.js';
import { median } from '../../harness/stats.js';
import type { Section } from '../../harness/table.js';
import { type RedisBenchContext, runName, sleepUntil } from '../context.js';
import { Member } from '../fleet.js';
import { isPeer, type SubjectName } from '../protocol.js';
import { type CommandCounts, commandDelta, readCommandCounts, scriptCallCount } from '../redis-info.js';

const MEMBERS = 4;
const LIMIT = 4;

/** One subject's figures at one number of workers (medians over the rounds). */
export interface ContendedFigures {
  readonly workers: number;
  readonly cyclesPerSecond: number;
  /** Commands Redis processed per cycle, those inside scripts included. */
  readonly commandsPerCycle: number;
  /** Script calls (`EVALSHA`, `EVAL`) per cycle. */
  readonly scriptCallsPerCycle: number;
  /** The commands of the median round, per cycle, most first. */
  readonly breakdown: string;
  /** CPU time of Redis' main thread per cycle, µs (`INFO cpu` over the window ÷ cycles). */
  readonly redisCpuPerCycle: number;
  /** CPU time of the member processes per cycle, µs (their `process.cpuUsage()` over the window, summed, ÷ cycles). */
  readonly memberCpuPerCycle: number;
}

interface Window {
  readonly cycles: number;
  readonly commands: CommandCounts;
  readonly seconds: number;
  /** The members' CPU time within the window, summed, µs. */
  readonly memberCpuMicros: number;
}

async function contendedWindow(
  members: readonly Member[],
  context: RedisBenchContext,
  subject: SubjectName,
  workers: number,
  round: number,
): Promise<Window> {
  const durationMs = context.quick ? 1_000 : 3_000;
  const config = {
    subject,
    url: context.url,
    name: runName(`contend-${workers}`, subject, round),
    key: 'one',
    limit: LIMIT,
  };
  await Promise.all(members.map((member) => member.open(config)));
  // The workers start at once and run a warm-up before the measured window opens.
  const startAt = process.hrtime.bigint() + 700_000_000n;
  const endAt = startAt + BigInt(durationMs * 1e6);
  for (const member of members) {
    member.send({ op: 'contend', workers: workers / MEMBERS, startAt: String(startAt), durationMs });
  }
  await sleepUntil(startAt);
  const before = await readCommandCounts(context.admin);
  await sleepUntil(endAt);
  const after = await readCommandCounts(context.admin);
  const replies = await Promise.all(members.map((member) => member.next('contended')));
  await Promise.all(members.map((member) => member.close()));
  // The first INFO reply is counted by the second: leave that one command out.
  const commands = commandDelta(before, after);
  return {
    cycles: replies.reduce((sum, reply) => sum + reply.cycles, 0),
    commands: { ...commands, total: commands.total - 1 },
    seconds: durationMs / 1_000,
    memberCpuMicros: replies.reduce((sum, reply) => sum + reply.cpuMicros, 0),
  };
}

function breakdown(window: Window): string {
  return [...window.commands.perCommand]
    .filter(([name]) => name !== 'info')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([name, calls]) => `${name} ${(calls / window.cycles).toFixed(1)}`)
    .join(', ');
}

/**
 * Contended throughput and Redis work per cycle: 4 member processes share
 * `workers` workers on one key with limit 4; each worker loops acquire →
 * hold across one `await` → release. Counts the releases that start in a
 * measured window and the commands Redis processed in it (`INFO`). Rounds
 * interleave the subjects; figures are medians over rounds.
 */
export async function contended(
  context: RedisBenchContext,
  workerCounts: readonly number[],
): Promise<{ sections: Section[]; figures: Map<SubjectName, ContendedFigures[]> }> {
  const rounds = context.quick ? 1 : 3;
  const members = Array.from({ length: MEMBERS }, () => new Member());
  const windows = new Map<string, Window[]>();
  try {
    for (const workers of workerCounts) {
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < context.subjects.length; i++) {
          const subject = context.subjects[(round + i) % context.subjects.length] as SubjectName;
          const window = await contendedWindow(members, context, subject, workers, round);
          const key = `${subject}/${workers}`;
          windows.set(key, [...(windows.get(key) ?? []), window]);
        }
      }
    }
  } finally {
    await Promise.all(members.map((member) => member.exit()));
  }
  const figures = new Map<SubjectName, ContendedFigures[]>();
  for (const subject of context.subjects) {
    figures.set(
      subject,
      workerCounts.map((workers) => {
        const list = windows.get(`${subject}/${workers}`) ?? [];
        const perCycle = list.map((w) => w.commands.total / w.cycles);
        const middle = [...list].sort((a, b) => a.commands.total / a.cycles - b.commands.total / b.cycles)[
          Math.floor(list.length / 2)
        ] as Window;
        return {
          workers,
          cyclesPerSecond: median(list.map((w) => w.cycles / w.seconds)),
          commandsPerCycle: median(perCycle),
          scriptCallsPerCycle: median(list.map((w) => scriptCallCount(w.commands) / w.cycles)),
          breakdown: breakdown(middle),
          redisCpuPerCycle: median(list.map((w) => w.commands.cpuMicros / w.cycles)),
          memberCpuPerCycle: median(list.map((w) => w.memberCpuMicros / w.cycles)),
        };
      }),
    );
  }
  const [first] = workerCounts;
  const bestPeer = (index: number) =>
    Math.max(
      ...[...figures]
        .filter(([subject]) => isPeer(subject))
        .map(([, list]) => (list[index] as ContendedFigures).cyclesPerSecond),
    );
  return {
    figures,
    sections: [
      {
        title: 'Contended throughput',
        note:
          `${MEMBERS} member processes share the workers (${(first as number) / MEMBERS} each for ${first}), one key, ` +
          `limit ${LIMIT}; each lease held across one \`await\`. Cycles (releases) per second in a ` +
          `${context.quick ? 1 : 3} s window after a warm-up; median of ${rounds} interleaved rounds.`,
        columns: ['subject', ...workerCounts.flatMap((w) => [`${w} workers: cycles/s`, 'vs best peer'])],
        rows: [...figures].map(([subject, list]) => [
          subject,
          ...list.flatMap((f, i) => [formatCount(f.cyclesPerSecond), formatRatio(f.cyclesPerSecond / bestPeer(i))]),
        ]),
      },
      {
        title: 'Redis work per cycle',
        note:
          `Commands Redis processed per acquire→release cycle (\`INFO\` \`total_commands_processed\`, which counts the ` +
          `commands a script runs besides the script call), in the windows of the contended runs with ` +
          `${workerCounts.join(' and ')} workers (limit ${LIMIT}, so all but 4 wait); "growth" is the last count over the first. ` +
          `Breakdown: \`INFO commandstats\` of the median round, per cycle.`,
        columns: [
          'subject',
          ...workerCounts.flatMap((w) => [`${w} workers: commands`, 'script calls']),
          'growth',
          `breakdown at ${workerCounts.at(-1)} workers`,
        ],
        rows: [...figures].map(([subject, list]) => [
          subject,
          ...list.flatMap((f) => [f.commandsPerCycle.toFixed(1), f.scriptCallsPerCycle.toFixed(1)]),
          formatRatio(
            (list.at(-1) as ContendedFigures).commandsPerCycle / (list[0] as ContendedFigures).commandsPerCycle,
          ),
          (list.at(-1) as ContendedFigures).breakdown,
        ]),
      },
      {
        title: 'CPU per cycle',
        note:
          `CPU time per acquire→release cycle in the windows of the contended runs: Redis' main thread (\`INFO cpu\` ` +
          `\`used_cpu_user_main_thread\` + \`used_cpu_sys_main_thread\` over the window ÷ cycles: the one core a pool ` +
          `lives on, so the ceiling of a whole fleet) and the ${MEMBERS} member processes together ` +
          `(\`process.cpuUsage()\` over the window, summed, ÷ cycles). Medians of the rounds; each figure ÷ the ` +
          `same run's redis-semaphore in brackets.`,
        columns: ['subject', ...workerCounts.flatMap((w) => [`${w} workers: Redis µs`, 'members µs'])],
        rows: [...figures].map(([subject, list]) => [
          subject,
          ...list.flatMap((f, i) => {
            const peer = figures.get('redis-semaphore')?.[i];
            const vs = (mine: number, theirs: number | undefined) =>
              theirs === undefined ? mine.toFixed(1) : `${mine.toFixed(1)} (${formatRatio(mine / theirs)})`;
            return [vs(f.redisCpuPerCycle, peer?.redisCpuPerCycle), vs(f.memberCpuPerCycle, peer?.memberCpuPerCycle)];
          }),
        ]),
      },
    ],
  };
}
