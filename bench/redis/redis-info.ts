import type { Redis as IORedis } from 'ioredis';

/** Commands Redis has processed, in all and per command name (commands run inside scripts included). */
export interface CommandCounts {
  readonly total: number;
  readonly perCommand: ReadonlyMap<string, number>;
  /**
   * CPU time of Redis' main thread (`INFO cpu`: `used_cpu_user_main_thread`
   * + `used_cpu_sys_main_thread`, or the whole server's where those are
   * missing, before Redis 6.2), in µs: the one core a pool's work runs on.
   */
  readonly cpuMicros: number;
}

function infoField(info: string, name: string): number | undefined {
  const match = new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info);
  return match ? Number(match[1]) : undefined;
}

/** Reads `total_commands_processed`, `INFO commandstats` and `INFO cpu` in one round trip. */
export async function readCommandCounts(redis: IORedis): Promise<CommandCounts> {
  const info = await redis.info('all');
  const total = Number(/^total_commands_processed:(\d+)/m.exec(info)?.[1]);
  const perCommand = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    perCommand.set(match[1] as string, Number(match[2]));
  }
  const user = infoField(info, 'used_cpu_user_main_thread') ?? infoField(info, 'used_cpu_user') ?? 0;
  const system = infoField(info, 'used_cpu_sys_main_thread') ?? infoField(info, 'used_cpu_sys') ?? 0;
  return { total, perCommand, cpuMicros: (user + system) * 1e6 };
}

/** `after − before`, per command too (commands with no calls in between left out). */
export function commandDelta(before: CommandCounts, after: CommandCounts): CommandCounts {
  const perCommand = new Map<string, number>();
  for (const [name, calls] of after.perCommand) {
    const delta = calls - (before.perCommand.get(name) ?? 0);
    if (delta > 0) perCommand.set(name, delta);
  }
  return { total: after.total - before.total, perCommand, cpuMicros: after.cpuMicros - before.cpuMicros };
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
