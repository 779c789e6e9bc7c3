import fc from 'fast-check';
import { describe, test } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createPool } from '../src/index.js';
import { InvariantError } from './invariants.js';
import { sameKey } from './model.js';
import { checkProperty } from './runs.js';

/** Keys of every kind, with strings made to look like other kinds' names. */
const anyKeyArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.constantFrom('(number) 1', '(string) x', '(null)', '(', '1', 'true', 'null'),
  fc.integer(),
  fc.double(),
  fc.bigInt(),
  fc.boolean(),
  fc.constant(null),
  fc.string().map((d) => Symbol(d)),
  fc.constant(Symbol()),
  fc.string().map((name) => ({ name })),
  fc.constantFrom(
    function named() {},
    () => {},
  ),
);

/** The words the id of `key`'s group must hold to be named after it. */
function namesOf(key: unknown): string[] {
  switch (typeof key) {
    case 'string':
    case 'number':
    case 'bigint':
    case 'boolean':
      return [String(key)];
    case 'symbol':
      return key.description?.trim() ? [key.description.trim()] : [];
    case 'function':
      return key.name ? [key.name] : [];
    default:
      return key === null ? ['null'] : [];
  }
}

/** Keys compared by identity are told apart by a number, which must be a positive count. */
const numbered = (key: unknown) =>
  typeof key === 'symbol' || typeof key === 'function' || (typeof key === 'object' && key !== null);

describe('group actors named after their keys (SPEC S9)', () => {
  test('each group actor is named after its key, and no two groups share a name', async () => {
    await checkProperty(
      'each group actor is named after its key, and no two groups share a name',
      fc.property(fc.uniqueArray(anyKeyArb, { comparator: sameKey, maxLength: 12 }), (keys) => {
        const spawned: string[] = [];
        const inspect = (e: InspectionEvent) => {
          if (e.type === '@xstate.actor') spawned.push((e.actorRef as unknown as { id: string }).id);
        };
        const pool = createPool<unknown>({ inspect });
        const ids = new Map<string, unknown>();
        try {
          for (const key of keys) {
            const before = spawned.length;
            pool.set(key, 1);
            const id = spawned[spawned.length - 1];
            if (spawned.length !== before + 1 || id === undefined) {
              throw new InvariantError('S9 actors', `set of ${String(key)} started ${spawned.length - before} actors`);
            }
            const other = ids.get(id);
            if (ids.has(id))
              throw new InvariantError('S9 names', `${String(key)} and ${String(other)} both named ${id}`);
            ids.set(id, key);
            const plain = typeof key === 'string' && !key.startsWith('(');
            if (
              !id.startsWith('group:') ||
              (numbered(key) && id !== id.trimEnd()) ||
              (plain && id !== `group:${key}`) ||
              !namesOf(key).every((word) => id.includes(word)) ||
              (numbered(key) && !/#[1-9]\d*/.test(id))
            ) {
              throw new InvariantError(
                'S9 names',
                `the group of ${String(key)} (${typeof key}) is named ${JSON.stringify(id)}`,
              );
            }
          }
        } finally {
          pool.stop();
        }
      }),
      200,
    );
  });
});
