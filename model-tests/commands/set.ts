import fc from 'fast-check';
import { keyArb, showKey } from '../keys.js';
import type { PoolModel } from '../model.js';
import { afterStep, type PoolCommand } from '../step.js';
import type { RealSystem } from '../system.js';

type ErrorName = 'TypeError' | 'RangeError' | 'PoolStoppedError';

/** The error SPEC S1, S8 and S10 demand of `set(key, target)`, or none. */
function expectedError(model: PoolModel, key: unknown, target: unknown): ErrorName | undefined {
  if (key === undefined) return 'TypeError';
  if (typeof target !== 'number') return 'TypeError';
  if (!Number.isSafeInteger(target) || target < 0) return 'RangeError';
  return model.stopped ? 'PoolStoppedError' : undefined;
}

function showValue(value: unknown): string {
  return typeof value === 'number' ? showKey(value) : (JSON.stringify(value) ?? String(value));
}

/** `pool.set(key, target)`: valid targets (0 and lowering included) and invalid ones, which must change nothing. */
export class SetCommand implements PoolCommand {
  constructor(
    readonly key: unknown,
    readonly target: unknown,
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: PoolModel, real: RealSystem): Promise<void> {
    const expected = expectedError(model, this.key, this.target);
    let thrown: unknown;
    try {
      real.pool.set(this.key, this.target as number);
    } catch (error) {
      thrown = error;
    }
    if (expected === undefined) {
      if (thrown !== undefined) throw new Error(`${this} threw ${String(thrown)}`);
      model.set(this.key, this.target as number);
    } else {
      if (!(thrown instanceof Error) || thrown.name !== expected) {
        throw new Error(`${this} should throw ${expected}, threw ${String(thrown)}`);
      }
      if (expected !== 'PoolStoppedError') {
        const [name, value] = this.key === undefined ? ['key', 'undefined'] : ['target', showValue(this.target)];
        if (!thrown.message.includes(name) || !thrown.message.includes(value)) {
          throw new Error(`${this}: the message "${thrown.message}" should name \`${name}\` and ${value}`);
        }
      }
    }
    await afterStep(model, real);
  }

  toString(): string {
    return `set(${showKey(this.key)}, ${showValue(this.target)})`;
  }
}

/** Targets: mostly small (0 and lowering included), sometimes invalid. */
const targetArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '2', null, -0) },
);

/** A `set` on a key of the alphabet (rarely `undefined`, which must throw). */
export const setCommandArb: fc.Arbitrary<PoolCommand> = fc
  .tuple(fc.oneof({ weight: 30, arbitrary: keyArb }, { weight: 1, arbitrary: fc.constant(undefined) }), targetArb)
  .map(([key, target]) => new SetCommand(key, target));
