import fc from 'fast-check';
import type { PoolModel, Want } from '../model.js';
import { afterStep, type PoolCommand } from '../step.js';
import type { RealSystem } from '../system.js';
import { showWant, wantArb } from './want.js';

/** How the request is signalled: no signal, a live one (a later `abort` may fire it) or one already aborted. */
export type SignalKind = 'none' | 'live' | 'aborted';

/** `pool.acquire({ key?, signal? })`: granted now, queued (S3), or rejected at once (S7, S8). */
export class AcquireCommand implements PoolCommand {
  constructor(
    readonly want: Want,
    readonly signal: SignalKind,
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: PoolModel, real: RealSystem): Promise<void> {
    const { request } = real.acquire(this.want, this.signal);
    if (this.signal === 'aborted') model.outcomes.push({ request, kind: 'aborted' });
    else if (model.stopped) model.outcomes.push({ request, kind: 'stopped' });
    else model.acquire(request, this.want);
    await afterStep(model, real);
  }

  toString(): string {
    const signal = this.signal === 'none' ? '' : ` with ${this.signal} signal`;
    return `acquire(${showWant(this.want)})${signal}`;
  }
}

/** An `acquire` of any key or one key, with or without a signal. */
export const acquireCommandArb: fc.Arbitrary<PoolCommand> = fc
  .tuple(
    wantArb,
    fc.oneof(
      { weight: 3, arbitrary: fc.constant<SignalKind>('none') },
      { weight: 3, arbitrary: fc.constant<SignalKind>('live') },
      { weight: 1, arbitrary: fc.constant<SignalKind>('aborted') },
    ),
  )
  .map(([want, signal]) => new AcquireCommand(want, signal));
