import { sleepUntil } from './context.js';
import type { Member } from './fleet.js';
import type { SessionConfig } from './protocol.js';

/** What one measured window of a D9 scenario saw: the members' figures and the caller's reads around it. */
export interface MeasuredWindow<T> {
  /** Releases that started inside the window, over every member. */
  readonly cycles: number;
  /** The members' CPU time inside the window, summed, µs. */
  readonly memberCpuMicros: number;
  readonly seconds: number;
  /** `read()` at the window's start and end. */
  readonly before: T;
  readonly after: T;
}

/**
 * Opens `config` on every member, then runs `workers` acquire → release
 * loops in each (`contend`), or none (`idle`: the members only heartbeat),
 * and calls `read` (the Redis figures) as the measured window of
 * `durationMs` opens and closes, after a warm-up of 700 ms; closes the
 * sessions before it resolves.
 */
export async function measureWindow<T>(
  members: readonly Member[],
  config: SessionConfig,
  workers: number | 'idle',
  durationMs: number,
  read: () => Promise<T>,
): Promise<MeasuredWindow<T>> {
  await Promise.all(members.map((member) => member.open(config)));
  const startAt = process.hrtime.bigint() + 700_000_000n;
  const endAt = startAt + BigInt(durationMs * 1e6);
  for (const member of members) {
    member.send(
      workers === 'idle'
        ? { op: 'idle', startAt: String(startAt), durationMs }
        : { op: 'contend', workers, startAt: String(startAt), durationMs },
    );
  }
  await sleepUntil(startAt);
  const before = await read();
  await sleepUntil(endAt);
  const after = await read();
  let cycles = 0;
  let memberCpuMicros = 0;
  for (const member of members) {
    const reply = workers === 'idle' ? await member.next('idled') : await member.next('contended');
    memberCpuMicros += reply.cpuMicros;
    if (reply.op === 'contended') cycles += reply.cycles;
  }
  await Promise.all(members.map((member) => member.close()));
  return { cycles, memberCpuMicros, seconds: durationMs / 1_000, before, after };
}
