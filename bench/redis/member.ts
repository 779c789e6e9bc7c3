/**
 * One member process of `npm run bench:redis`: opens sessions on the
 * parent's command and runs the acquire/release steps it asks for,
 * answering with `process.hrtime.bigint()` times (CLOCK_MONOTONIC, one
 * clock for every process of the machine).
 */
import { holdOneTurn } from '../harness/workers.js';
import type { Command, Reply } from './protocol.js';
import { type Held, openSession, type Session } from './subjects.js';

const send = (reply: Reply): void => {
  process.send?.(reply);
};
let session: Session | undefined;
let held: Held | undefined;

/** `process.cpuUsage()` in µs, user + system. */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Calls `take` when `process.hrtime.bigint()` reaches `at` (a timer, so as late as the event loop makes it). */
function sampleAt(at: bigint, take: () => number): Promise<number> {
  const ms = Math.max(0, Number(at - process.hrtime.bigint()) / 1e6);
  return new Promise((resolve) => setTimeout(() => resolve(take()), ms));
}

async function contend(
  workers: number,
  startAt: bigint,
  durationMs: number,
): Promise<{ cycles: number; cpuMicros: number }> {
  const current = session as Session;
  const endAt = startAt + BigInt(Math.round(durationMs * 1e6));
  const cpuBefore = sampleAt(startAt, cpuMicros);
  const cpuAfter = sampleAt(endAt, cpuMicros);
  let cycles = 0;
  let stop = false;
  const loop = async () => {
    while (!stop) {
      const lease = await current.acquire();
      await holdOneTurn();
      const at = process.hrtime.bigint();
      await lease.release();
      if (at >= startAt && at < endAt) cycles++;
      if (at >= endAt) stop = true;
    }
  };
  await Promise.all(Array.from({ length: workers }, loop));
  return { cycles, cpuMicros: (await cpuAfter) - (await cpuBefore) };
}

async function handle(command: Command): Promise<void> {
  switch (command.op) {
    case 'open':
      session = await openSession(command.config);
      return send({ op: 'opened' });
    case 'acquire': {
      const granted = (session as Session).acquire();
      send({ op: 'asked' });
      held = await granted;
      return send({ op: 'granted', at: String(process.hrtime.bigint()) });
    }
    case 'release': {
      const lease = held as Held;
      held = undefined;
      const at = process.hrtime.bigint();
      await lease.release();
      return send({ op: 'released', at: String(at) });
    }
    case 'contend':
      return send({
        op: 'contended',
        ...(await contend(command.workers, BigInt(command.startAt), command.durationMs)),
      });
    case 'idle': {
      const startAt = BigInt(command.startAt);
      const before = sampleAt(startAt, cpuMicros);
      const after = sampleAt(startAt + BigInt(Math.round(command.durationMs * 1e6)), cpuMicros);
      return send({ op: 'idled', cpuMicros: (await after) - (await before) });
    }
    case 'close':
      await session?.close();
      session = undefined;
      return send({ op: 'closed' });
    case 'exit':
      process.disconnect();
      return;
  }
}

process.on('message', (command: Command) => {
  handle(command).catch((error: unknown) =>
    send({
      op: 'failed',
      message: `${command.op}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    }),
  );
});
