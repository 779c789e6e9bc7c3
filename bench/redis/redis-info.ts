import type { Redis as IORedis } from 'ioredis';

/** Commands Redis has processed, in all and per command name (commands run inside scripts included). */
export interface CommandCounts {
  readonly total: number;
  readonly perCommand: ReadonlyMap<string, number>;
}

/** Reads `total_commands_processed` and `INFO commandstats` in one round trip. */
export async function readCommandCounts(redis: IORedis): Promise<CommandCounts> {
  const info = await redis.info('all');
  const total = Number(/^total_commands_processed:(\d+)/m.exec(info)?.[1]);
  const perCommand = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    perCommand.set(match[1] as string, Number(match[2]));
  }
  return { total, perCommand };
}

/** `after − before`, per command too (commands with no calls in between left out). */
export function commandDelta(before: CommandCounts, after: CommandCounts): CommandCounts {
  const perCommand = new Map<string, number>();
  for (const [name, calls] of after.perCommand) {
    const delta = calls - (before.perCommand.get(name) ?? 0);
    if (delta > 0) perCommand.set(name, delta);
  }
  return { total: after.total - before.total, perCommand };
}

/** Commands that run a script, as a client sends them. */
const scriptCalls = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/** How many of `delta`'s commands were script calls (the rest ran inside them, or were sent on their own). */
export function scriptCallCount(delta: CommandCounts): number {
  let calls = 0;
  for (const [name, count] of delta.perCommand) if (scriptCalls.has(name)) calls += count;
  return calls;
}

/** The server's `used_memory`, in bytes. */
export async function usedMemory(redis: IORedis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
}
