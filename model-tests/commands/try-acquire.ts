import type fc from 'fast-check';
import { showKey } from '../keys.js';
import { type PoolModel, sameKey, type Want } from '../model.js';
import { afterStep, type PoolCommand } from '../step.js';
import type { RealSystem } from '../system.js';
import { showWant, wantArb } from './want.js';

/** `pool.tryAcquire({ key? })`: a lease only where no older waiter could take it (S5), never after stop (S8). */
export class TryAcquireCommand implements PoolCommand {
  constructor(readonly want: Want) {}

  check(): boolean {
    return true;
  }

  async run(model: PoolModel, real: RealSystem): Promise<void> {
    const got = real.tryAcquire(this.want);
    const expected = model.tryAcquire(this.want);
    const show = (l: { id?: number; leaseId?: number; key: unknown } | undefined) =>
      l ? `lease ${l.id ?? l.leaseId} of ${showKey(l.key)}` : 'undefined';
    if (
      got === undefined
        ? expected !== undefined
        : !expected || got.id !== expected.leaseId || !sameKey(got.key, expected.key)
    ) {
      throw new Error(`${this} returned ${show(got)}, expected ${show(expected)}`);
    }
    await afterStep(model, real);
  }

  toString(): string {
    return `tryAcquire(${showWant(this.want)})`;
  }
}

/** A `tryAcquire` of any key or one key. */
export const tryAcquireCommandArb: fc.Arbitrary<PoolCommand> = wantArb.map((want) => new TryAcquireCommand(want));
