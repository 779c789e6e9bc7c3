import fc from 'fast-check';
import { abortCommandArb } from './commands/abort.js';
import { acquireCommandArb } from './commands/acquire.js';
import { drainedCommandArb } from './commands/drained.js';
import { releaseCommandArb } from './commands/release.js';
import { setCommandArb } from './commands/set.js';
import { stopCommandArb } from './commands/stop.js';
import { tryAcquireCommandArb } from './commands/try-acquire.js';
import { PoolModel } from './model.js';
import type { PoolCommand } from './step.js';
import { RealSystem } from './system.js';

export type { PoolCommand } from './step.js';

/** Options of {@link poolCommands}. */
export interface PoolCommandsOptions {
  /** The longest story to generate. @default 40 */
  readonly maxCommands?: number;
  /** Whether `stop` is among the commands. @default true */
  readonly stop?: boolean;
  /** The `replayPath` a failed run printed, to replay it. @default process.env.FUZZ_REPLAY_PATH */
  readonly replayPath?: string;
}

/**
 * Stories of pool calls: `set`, `acquire`, `tryAcquire`, `release`, `abort`,
 * `drained` and, rarely, `stop`. Sets and acquires come most often so that
 * stories build up groups and queues; fast-check shrinks a failing story to
 * a short one.
 */
export function poolCommands(options: PoolCommandsOptions = {}): fc.Arbitrary<Iterable<PoolCommand>> {
  const command = fc.oneof(
    { weight: 6, arbitrary: setCommandArb },
    { weight: 6, arbitrary: acquireCommandArb },
    { weight: 2, arbitrary: tryAcquireCommandArb },
    { weight: 6, arbitrary: releaseCommandArb },
    { weight: 2, arbitrary: abortCommandArb },
    { weight: 1, arbitrary: drainedCommandArb },
    { weight: options.stop === false ? 0 : 1, arbitrary: stopCommandArb },
  );
  const replayPath = options.replayPath ?? process.env.FUZZ_REPLAY_PATH;
  return fc.commands([command], {
    maxCommands: options.maxCommands ?? 40,
    size: 'max',
    ...(replayPath === undefined ? {} : { replayPath }),
  });
}

/**
 * Runs `commands` against a fresh real pool and a fresh model (both with
 * `options.defaultTarget`, if given), comparing the
 * two and checking every invariant after each command; rejects with the
 * first difference. The pool is stopped and every lease given back at the end.
 */
export async function runPoolCommands(
  commands: Iterable<PoolCommand>,
  options: { readonly defaultTarget?: number | undefined } = {},
): Promise<void> {
  const real = new RealSystem(undefined, options.defaultTarget);
  try {
    await fc.asyncModelRun(() => ({ model: new PoolModel(options.defaultTarget), real }), commands);
  } finally {
    real.dispose();
  }
}
