import fc from 'fast-check';
import { describe, test } from 'vitest';
import { createPool } from '../src/index.js';
import { InvariantError } from './invariants.js';
import { checkProperty } from './runs.js';

/** Option names no call accepts. */
const misspeltArb = fc.string({ minLength: 1 }).filter((n) => !['key', 'signal', 'inspect', '__proto__'].includes(n));

describe('options that fail loudly (SPEC S10)', () => {
  test('a misspelt option rejects with a TypeError naming it and the options allowed', async () => {
    await checkProperty(
      'a misspelt option rejects with a TypeError naming it and the options allowed',
      fc.asyncProperty(misspeltArb, async (name) => {
        const pool = createPool<string>();
        pool.set('a', 1);
        const error = await pool.acquire({ [name]: 1 } as never).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (!(error instanceof TypeError) || !['`key`', '`signal`', name].every((w) => error.message.includes(w))) {
          throw new InvariantError(
            'S10 options',
            `acquire({ ${JSON.stringify(name)}: 1 }) rejected with ${String(error)}`,
          );
        }
        if (pool.get('a').active !== 0) throw new InvariantError('S10 options', 'a rejected acquire took a lease');
        pool.stop();
      }),
      100,
    );
  });

  test('createPool takes an inspect function or observer, and names the inspect option otherwise', async () => {
    const badArb = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.bigInt());
    const goodArb = fc.constantFrom<unknown>(() => {}, { next() {} }, {}, undefined);
    await checkProperty(
      'createPool takes an inspect function or observer, and names the inspect option otherwise',
      fc.property(
        fc.oneof(
          badArb.map((v) => [v, false] as const),
          goodArb.map((v) => [v, true] as const),
        ),
        ([inspect, ok]) => {
          let thrown: unknown;
          try {
            createPool({ inspect } as never).stop();
          } catch (error) {
            thrown = error;
          }
          if (ok && thrown !== undefined)
            throw new InvariantError('S10 options', `inspect ${String(inspect)} threw ${String(thrown)}`);
          if (!ok && !(thrown instanceof TypeError && thrown.message.includes('inspect'))) {
            throw new InvariantError('S10 options', `inspect ${String(inspect)} gave ${String(thrown)}`);
          }
        },
      ),
      100,
    );
  });
});
