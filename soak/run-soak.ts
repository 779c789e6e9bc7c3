import fc from 'fast-check';
import { poolCommands } from '../model-tests/commands.js';
import { PoolModel } from '../model-tests/model.js';
import { RealSystem } from '../model-tests/system.js';
import { createPool } from '../src/index.js';
import type { SoakOptions } from './options.js';
import { quiesce } from './quiesce.js';

/** One progress line of a soak. */
export interface SoakProgress {
  readonly minutes: number;
  readonly commands: number;
  readonly commandsPerSecond: number;
  readonly checks: number;
  readonly epochs: number;
  readonly leasesIssued: number;
  readonly heapBytes: number;
}

/** How a soak ended. */
export interface SoakResult extends SoakProgress {
  readonly heapBytesAtStart: number;
}

/** A soak found the pool and the model apart, or the pool not empty after an epoch. */
export class SoakFailure extends Error {
  override readonly name = 'SoakFailure';

  constructor(
    readonly epoch: number,
    readonly seed: number,
    /** The last commands run, oldest first. */
    readonly story: readonly string[],
    override readonly cause: unknown,
  ) {
    super(`soak failed in epoch ${epoch} (seed ${seed}) after ${story.length} commands: ${String(cause)}`);
  }
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapBytes(): number {
  gc?.();
  return process.memoryUsage().heapUsed;
}

/**
 * Runs random traffic from the model tests' command generator against one
 * long-lived pool until `options.minutes` pass (or `maxEpochs` epochs run).
 * Every command is compared with the model and the invariants are checked
 * after it; at each epoch's end the pool is brought back to empty through
 * its public calls and checked empty. Rejects with a {@link SoakFailure}.
 */
export async function runSoak(
  options: SoakOptions & { readonly maxEpochs?: number },
  report: (progress: SoakProgress) => void = () => {},
): Promise<SoakResult> {
  const pool = createPool<unknown>();
  const stories = poolCommands({ stop: false, maxCommands: options.epoch });
  const started = performance.now();
  const deadline = started + options.minutes * 60_000;
  const heapBytesAtStart = heapBytes();
  let commands = 0;
  let checks = 0;
  let epochs = 0;
  let lastReport = started;
  let commandsAtLastReport = 0;

  const progress = (now: number): SoakProgress => ({
    minutes: (now - started) / 60_000,
    commands,
    commandsPerSecond: (commands - commandsAtLastReport) / Math.max((now - lastReport) / 1_000, 1e-9),
    checks,
    epochs,
    leasesIssued: pool.actor.getSnapshot().context.leases.toJSON().nextId - 1,
    heapBytes: heapBytes(),
  });

  while (performance.now() < deadline && epochs < (options.maxEpochs ?? Number.POSITIVE_INFINITY)) {
    const seed = options.seed + epochs;
    const [story] = fc.sample(stories, { numRuns: 1, seed });
    if (!story) throw new Error('the command generator gave no story');
    const real = new RealSystem(pool);
    const model = new PoolModel();
    model.nextLeaseId = pool.actor.getSnapshot().context.leases.toJSON().nextId;
    const ran: string[] = [];
    try {
      for (const command of story) {
        if (!command.check(model)) continue;
        ran.push(command.toString());
        await command.run(model, real);
        commands++;
        checks++;
      }
      await quiesce(pool, real.delivered);
      checks++;
    } catch (error) {
      throw new SoakFailure(epochs, seed, ran.slice(-30), error);
    }
    epochs++;
    const now = performance.now();
    if (now - lastReport >= options.reportSeconds * 1_000) {
      report(progress(now));
      lastReport = now;
      commandsAtLastReport = commands;
    }
  }
  const end = progress(performance.now());
  pool.stop();
  return { ...end, heapBytesAtStart };
}
