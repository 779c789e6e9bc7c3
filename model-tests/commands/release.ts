import fc from 'fast-check';
import type { PoolModel } from '../model.js';
import { afterStep, type PoolCommand } from '../step.js';
import type { RealSystem } from '../system.js';

/**
 * Releases the delivered lease at `position` (modulo how many were
 * delivered, so released ones come up again), once or twice, by `release()`
 * or `Symbol.dispose`. A second release does nothing (S6).
 */
export class ReleaseCommand implements PoolCommand {
  constructor(
    readonly position: number,
    readonly times: 1 | 2,
    readonly how: 'release' | 'dispose',
  ) {}

  check(model: Readonly<PoolModel>): boolean {
    return model.delivered.length > 0;
  }

  async run(model: PoolModel, real: RealSystem): Promise<void> {
    const i = this.position % model.delivered.length;
    const expected = model.delivered[i];
    const lease = real.delivered[i];
    if (!expected || !lease || lease.id !== expected.leaseId) {
      throw new Error(`delivered lease #${i} is ${lease?.id}, expected ${expected?.leaseId}`);
    }
    for (let n = 0; n < this.times; n++) {
      real.release(lease, this.how);
      model.release(expected.leaseId);
    }
    await afterStep(model, real);
  }

  toString(): string {
    return `${this.how} delivered lease #${this.position}${this.times === 2 ? ' twice' : ''}`;
  }
}

/** A release by position among the delivered leases. */
export const releaseCommandArb: fc.Arbitrary<PoolCommand> = fc
  .tuple(fc.nat(20), fc.constantFrom<1 | 2>(1, 1, 1, 2), fc.constantFrom<'release' | 'dispose'>('release', 'dispose'))
  .map(([position, times, how]) => new ReleaseCommand(position, times, how));
