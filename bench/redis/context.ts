import type { Redis as IORedis } from 'ioredis';
import type { SubjectName } from './protocol.js';

/** What every Redis-mode scenario gets. */
export interface RedisBenchContext {
  /** The benchmark's own `redis-server`. */
  readonly url: string;
  /** A connection of the parent, for `INFO`, `MEMORY USAGE` and `SCAN`. */
  readonly admin: IORedis;
  /** The subjects measured in this run, ours first when it loads. */
  readonly subjects: readonly SubjectName[];
  /** A short smoke run: fewer rounds and repetitions, figures not for the record. */
  readonly quick: boolean;
}

/** A name for Redis keys that is unique to one run of one scenario for one subject. */
export function runName(scenario: string, subject: SubjectName, round: number): string {
  return `${scenario}-${subject.replace(/[^a-z]+/g, '-')}-${round}`;
}

/** Sleeps until `process.hrtime.bigint()` reaches `at`. */
export async function sleepUntil(at: bigint): Promise<void> {
  const ms = Number(at - process.hrtime.bigint()) / 1e6;
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Milliseconds with two decimals: `0.84 ms`. */
export function formatLatency(ms: number): string {
  return Number.isFinite(ms) ? `${ms.toFixed(2)} ms` : '–';
}
