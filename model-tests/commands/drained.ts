import fc from 'fast-check';
import type { PoolModel } from '../model.js';
import { afterStep, type PoolCommand } from '../step.js';
import type { RealSystem } from '../system.js';

/** `pool.drained()`: resolves once no lease is out, before or after stop (S8). */
export class DrainedCommand implements PoolCommand {
  check(): boolean {
    return true;
  }

  async run(model: PoolModel, real: RealSystem): Promise<void> {
    const { request } = real.drained();
    model.drained(request);
    await afterStep(model, real);
  }

  toString(): string {
    return 'drained()';
  }
}

/** A `drained`. */
export const drainedCommandArb: fc.Arbitrary<PoolCommand> = fc.constant(new DrainedCommand());
