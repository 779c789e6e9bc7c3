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
  if (typeof value === 'number') return showKey(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (typeof value === 'bigint') return `${value}n`;
  return JSON.stringify(value) ?? String(value);
}

/**
 * What the message must quote to name `value` (S1, S10): numbers and
 * strings as written, a function by its name, an array as an array with
 * its length, an object as an object.
 */
function namingOf(value: unknown): string[] {
  if (typeof value === 'function') return value.name ? [value.name] : ['function'];
  if (Array.isArray(value)) return ['array', String(value.length)];
  if (typeof value === 'object' && value !== null) return ['object'];
  if (typeof value === 'bigint') return [`${value}n`];
  return [showValue(value)];
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
      const naming =
        expected === 'PoolStoppedError'
          ? ['stopped']
          : this.key === undefined
            ? ['key', 'undefined']
            : ['target', ...namingOf(this.target)];
      if (!naming.every((word) => thrown.message.includes(word))) {
        throw new Error(`${this}: the message "${thrown.message}" should name ${naming.join(', ')}`);
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
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      -1,
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      2 ** 53,
      '2',
      null,
      -0,
      2n,
      [1, 2],
      { target: 2 },
      function two() {
        return 2;
      },
      () => 2,
    ),
  },
);

/** A `set` on a key of the alphabet (rarely `undefined`, which must throw). */
export const setCommandArb: fc.Arbitrary<PoolCommand> = fc
  .tuple(fc.oneof({ weight: 30, arbitrary: keyArb }, { weight: 1, arbitrary: fc.constant(undefined) }), targetArb)
  .map(([key, target]) => new SetCommand(key, target));
