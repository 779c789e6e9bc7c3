import { setTimeout as sleep } from 'node:timers/promises';
import { quantile } from '../../harness/stats.js';
import type { Section } from '../../harness/table.js';
import { formatLatency, type RedisBenchContext, runName } from '../context.js';
import { Member } from '../fleet.js';
import type { SubjectName } from '../protocol.js';

/** Handoffs at the start of each round left out (connections and JIT warming up). */
const WARMUP = 5;

/** One subject's handoff latencies, in milliseconds. */
export interface HandoffFigures {
  readonly p50: number;
  readonly p99: number;
  readonly samples: number;
}

async function handoffRound(
  members: readonly [Member, Member],
  context: RedisBenchContext,
  subject: SubjectName,
  round: number,
  repetitions: number,
): Promise<number[]> {
  const config = { subject, url: context.url, name: runName('handoff', subject, round), key: 'only', limit: 1 };
  await Promise.all(members.map((member) => member.open(config)));
  let [holder, asker] = members;
  holder.send({ op: 'acquire' });
  await holder.next('granted');
  const samples: number[] = [];
  for (let rep = 0; rep < repetitions + WARMUP; rep++) {
    asker.send({ op: 'acquire' });
    await asker.next('asked');
    // A random gap, so that a polling peer's poll falls anywhere in its interval, and so that
    // the request has reached Redis and waits there before the release.
    await sleep(4 + Math.random() * 8);
    holder.send({ op: 'release' });
    const released = await holder.next('released');
    const granted = await asker.next('granted');
    if (rep >= WARMUP) samples.push(Number(BigInt(granted.at) - BigInt(released.at)) / 1e6);
    [holder, asker] = [asker, holder];
  }
  holder.send({ op: 'release' });
  await holder.next('released');
  await Promise.all(members.map((member) => member.close()));
  return samples;
}

/**
 * Handoff latency across processes: member A holds the only lease of a
 * key with limit 1, member B asks and waits, A releases; the figure is B's
 * grant minus A's release, both read with `process.hrtime.bigint()` (one
 * monotonic clock for every process). A and B swap roles each time. Rounds
 * interleave the subjects, so load on the machine falls on all alike.
 */
export async function handoffLatency(
  context: RedisBenchContext,
): Promise<{ section: Section; figures: Map<SubjectName, HandoffFigures> }> {
  const rounds = context.quick ? 1 : 3;
  const repetitions = context.quick ? 30 : 200;
  const members: [Member, Member] = [new Member(), new Member()];
  const samples = new Map<SubjectName, number[]>(context.subjects.map((subject) => [subject, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < context.subjects.length; i++) {
        const subject = context.subjects[(round + i) % context.subjects.length] as SubjectName;
        samples.get(subject)?.push(...(await handoffRound(members, context, subject, round, repetitions)));
      }
    }
  } finally {
    await Promise.all(members.map((member) => member.exit()));
  }
  const figures = new Map(
    [...samples].map(([subject, values]) => [
      subject,
      { p50: quantile(values, 0.5), p99: quantile(values, 0.99), samples: values.length },
    ]),
  );
  return {
    figures,
    section: {
      title: 'Handoff latency between two processes',
      note:
        `Member A holds the only lease (limit 1), member B asks and waits (4–12 ms), A releases; B's grant minus A's ` +
        `release, both by \`process.hrtime.bigint()\`. ${rounds} interleaved rounds × ${repetitions} handoffs per subject.`,
      columns: ['subject', 'p50', 'p99', 'handoffs'],
      rows: [...figures].map(([subject, f]) => [
        subject,
        formatLatency(f.p50),
        formatLatency(f.p99),
        String(f.samples),
      ]),
    },
  };
}
