/**
 * The messages between a test and a member process (`member-process.ts`),
 * over Node's IPC channel with the `advanced` serialization (bigints pass).
 * Times are `process.hrtime.bigint()`: one clock for every process of the
 * machine.
 */

/** A command the test sends; `req` names the reply. */
export type FleetCommand =
  | { readonly op: 'acquire'; readonly req: number; readonly key?: string }
  | { readonly op: 'abort'; readonly req: number; readonly target: number }
  | { readonly op: 'tryAcquire'; readonly req: number; readonly key?: string }
  | { readonly op: 'release'; readonly req: number; readonly id: number }
  | { readonly op: 'set'; readonly req: number; readonly key: string; readonly target: number }
  | { readonly op: 'get'; readonly req: number; readonly key: string }
  | { readonly op: 'keys'; readonly req: number }
  | { readonly op: 'workers'; readonly req: number; readonly count: number; readonly holdMs: number }
  | { readonly op: 'stopWorkers'; readonly req: number }
  | { readonly op: 'stop'; readonly req: number };

/** A lease as the test sees it. */
export interface GrantInfo {
  readonly id: number;
  readonly key: string;
}

/** What a member process reports. */
export type FleetEvent =
  | { readonly ev: 'ready'; readonly member: string; readonly pid: number }
  /** The acquire `req` reached Redis: its queue position is fixed (sent once every earlier command of this member's connection was answered). */
  | { readonly ev: 'queued'; readonly req: number; readonly at: bigint }
  | { readonly ev: 'granted'; readonly req: number; readonly id: number; readonly key: string; readonly at: bigint }
  | {
      readonly ev: 'rejected';
      readonly req: number;
      readonly name: string;
      readonly message: string;
      readonly at: bigint;
    }
  /** A lease's signal aborted. */
  | {
      readonly ev: 'signal';
      readonly id: number;
      readonly key: string;
      readonly name: string;
      readonly message: string;
      readonly at: bigint;
    }
  /** A worker started by `workers` got a lease. */
  | { readonly ev: 'work'; readonly key: string }
  | { readonly ev: 'result'; readonly req: number; readonly value: unknown; readonly at: bigint }
  | {
      readonly ev: 'failed';
      readonly req: number;
      readonly name: string;
      readonly message: string;
      readonly cause?: string;
    }
  | { readonly ev: 'crash'; readonly message: string };

/** How a member process is configured (its environment). */
export interface MemberConfig {
  readonly url: string;
  readonly pool: string;
  readonly leaseTtl: number;
  readonly client: 'node-redis' | 'ioredis';
  /** The ports of a Redis Cluster's masters: the member connects a Cluster client of its kind to them instead of `url`. */
  readonly cluster?: readonly number[];
  /** The pool's `shards` (D9; default 1). */
  readonly shards?: number;
}
