/**
 * The lines of the chaos run's logs, one JSON object a line. Times (`t`,
 * `t0`, `t1`) are `process.hrtime.bigint()` in milliseconds: CLOCK_MONOTONIC,
 * one clock for every process of the machine.
 */

/** What a member process logs. */
export type MemberEvent =
  /** The member joined: its pool member id and process id. */
  | { readonly ev: 'join'; readonly member: string; readonly pid: number; readonly t: number }
  /** A lease was granted: `t0` when its `acquire`/`tryAcquire` was called, `t` when it resolved. */
  | { readonly ev: 'grant'; readonly id: number; readonly key: string; readonly t0: number; readonly t: number }
  /** `release()` was called (`t`). */
  | { readonly ev: 'release'; readonly id: number; readonly t: number }
  /** `release()` resolved. */
  | { readonly ev: 'released'; readonly id: number; readonly t: number }
  /** The lease's signal aborted (`reason`: LeaseLostError, LeaseRevokedError, PoolStoppedError…). */
  | { readonly ev: 'signal'; readonly id: number; readonly reason: string; readonly t: number }
  /** `set(key, target)` was called at `t0`. */
  | { readonly ev: 'set'; readonly key: string; readonly target: number; readonly t0: number }
  /** The `set` called at `t0` settled at `t` (`ok` false: it rejected, and may or may not have landed). */
  | { readonly ev: 'set-end'; readonly t0: number; readonly t: number; readonly ok: boolean }
  /** An operation ended otherwise: aborted by its own signal, rejected (`what` names the error). */
  | { readonly ev: 'op'; readonly op: string; readonly what: string; readonly t: number }
  /** Operations this member has started so far (logged every second and at the end). */
  | {
      readonly ev: 'count';
      readonly acquires: number;
      readonly tries: number;
      readonly sets: number;
      readonly t: number;
    }
  /** The member left after `stop()`. */
  | { readonly ev: 'left'; readonly t: number }
  /**
   * The member's event loop ran nothing from `t0` to `t` (a timer due every
   * 20 ms came late by more than 100 ms): the process was starved of CPU or
   * blocked, so whatever it had to send or log waited as long.
   */
  | { readonly ev: 'stall'; readonly t0: number; readonly t: number };

/** What the run itself logs about the chaos it causes. */
export type ChaosEvent =
  | { readonly ev: 'start'; readonly slot: number; readonly pid: number; readonly t: number }
  | { readonly ev: 'kill'; readonly slot: number; readonly pid: number; readonly t: number }
  | { readonly ev: 'pause'; readonly slot: number; readonly pid: number; readonly t0: number; readonly t: number }
  | { readonly ev: 'stop'; readonly slot: number; readonly pid: number; readonly t: number }
  | { readonly ev: 'redis-pause'; readonly t0: number; readonly t: number }
  /**
   * `--sentinel`: the primary was killed (`kill`, SIGKILL) and the replica
   * promoted (`promoted`); `holdFrom`, when present, is when the replica's
   * replication stream was held back before the kill (what ran on the
   * primary since may be lost); `heldBytes` were not delivered; `t` is when
   * the killed server was back as the new replica.
   */
  | {
      readonly ev: 'failover';
      readonly holdFrom?: number;
      readonly heldBytes: number;
      readonly kill: number;
      readonly promoted: number;
      readonly t: number;
    };

/** `process.hrtime.bigint()` in milliseconds. */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
