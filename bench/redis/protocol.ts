/** Messages between the benchmark (parent) and its member processes (`member.ts`), over Node's IPC channel. */

/**
 * Which implementation a member runs. The `baseline` subjects are another
 * build of ours (`--baseline <bundle>`), measured in the same run so that a
 * change is compared with what it replaces under the same load.
 */
export type SubjectName =
  | 'workpool (node-redis)'
  | 'workpool (ioredis)'
  | 'baseline (node-redis)'
  | 'baseline (ioredis)'
  | 'redis-semaphore'
  | 'bottleneck';

/** Every subject, ours first. */
export const subjectNames: readonly SubjectName[] = [
  'workpool (node-redis)',
  'workpool (ioredis)',
  'redis-semaphore',
  'bottleneck',
];

/** The subjects run with `--baseline`, after ours. */
export const baselineNames: readonly SubjectName[] = ['baseline (node-redis)', 'baseline (ioredis)'];

/** Whether `subject` is a peer (not a build of ours): the targets compare ours with these. */
export function isPeer(subject: SubjectName): boolean {
  return subject === 'redis-semaphore' || subject === 'bottleneck';
}

/** Where and what a member opens: one key of one pool (or semaphore, or limiter) with a limit. */
export interface SessionConfig {
  readonly subject: SubjectName;
  readonly url: string;
  /** Distinct per run of a scenario, so that no state of an earlier run is shared. */
  readonly name: string;
  readonly key: string;
  readonly limit: number;
  /**
   * Ours only (D9 scenarios): the keys each acquire picks from at random,
   * each set to `limit` (`key` is then unused).
   */
  readonly keys?: readonly string[];
  /** Ours only: the pool's shards (D9; default 1). */
  readonly shards?: number;
  /** Ours only: the pool's `leaseTtl`, ms (default the pool's, 30 s). */
  readonly leaseTtl?: number;
  /** Ours only: connect to a Redis Cluster through these loopback master ports instead of `url`. */
  readonly cluster?: readonly number[];
}

/** What the parent asks of a member. Times are `process.hrtime.bigint()` values as decimal strings. */
export type Command =
  | { readonly op: 'open'; readonly config: SessionConfig }
  /** Acquire one lease and hold it; the member answers `asked` at once and `granted` when it has it. */
  | { readonly op: 'acquire' }
  /** Release the held lease; answers `released` with the time taken right before the call. */
  | { readonly op: 'release' }
  /**
   * Run `workers` loops of acquire → hold across one `await` → release; count the releases that
   * start within [startAt, startAt + durationMs); stop after it and answer `contended`.
   */
  | { readonly op: 'contend'; readonly workers: number; readonly startAt: string; readonly durationMs: number }
  /** Do nothing but heartbeat; answer `idled` with the process's CPU time within [startAt, startAt + durationMs). */
  | { readonly op: 'idle'; readonly startAt: string; readonly durationMs: number }
  | { readonly op: 'close' }
  | { readonly op: 'exit' };

/** What a member answers. */
export type Reply =
  | { readonly op: 'opened' }
  | { readonly op: 'asked' }
  | { readonly op: 'granted'; readonly at: string }
  | { readonly op: 'released'; readonly at: string }
  /** `cpuMicros`: the member process's CPU time (`process.cpuUsage()`, user + system) within the window. */
  | { readonly op: 'contended'; readonly cycles: number; readonly cpuMicros: number }
  | { readonly op: 'idled'; readonly cpuMicros: number }
  | { readonly op: 'closed' }
  | { readonly op: 'failed'; readonly message: string };
