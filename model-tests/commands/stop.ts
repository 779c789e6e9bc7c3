import fc from 'fast-check';
import type { PoolModel } from '../model.js';
import { afterStep, type PoolCommand } from '../step.js';
import type { RealSystem } from '../system.js';

/** `pool.stop()`, idempotent (S8). */
export class StopCommand implements PoolCommand {
  check(): boolean {
    return true;
  }

  async run(model: PoolModel, real: RealSystem): Promise<void> {
    real.pool.stop();
    model.stop();
    await afterStep(model, real);
  }

  toString(): string {
    return 'stop()';
  }
}

/** A `stop`. */
export const stopCommandArb: fc.Arbitrary<PoolCommand> = fc.constant(new StopCommand());
