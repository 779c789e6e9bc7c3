import fc from 'fast-check';
import type { PoolModel } from '../model.js';
import { afterStep, type PoolCommand } from '../step.js';
import { AbortReason, type RealSystem } from '../system.js';

/**
 * Aborts the signal of the request at `position` among those given a live
 * signal (modulo their number). A waiting request rejects with the reason
 * and leaves the queue; a granted one keeps its lease (S7).
 */
export class AbortCommand implements PoolCommand {
  constructor(readonly position: number) {}

  check(): boolean {
    return true;
  }

  async run(model: PoolModel, real: RealSystem): Promise<void> {
    const live = real.requests.filter((r) => r.controller && !r.controller.signal.aborted);
    const target = live[this.position % Math.max(1, live.length)];
    if (target?.controller) {
      target.controller.abort(new AbortReason(target.request));
      model.abort(target.request);
    }
    await afterStep(model, real);
  }

  toString(): string {
    return `abort signalled request #${this.position}`;
  }
}

/** An abort by position among the requests with a live signal. */
export const abortCommandArb: fc.Arbitrary<PoolCommand> = fc.nat(20).map((position) => new AbortCommand(position));
