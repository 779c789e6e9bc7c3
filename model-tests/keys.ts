import fc from 'fast-check';

/** Two keys compared by identity: equal-looking objects must still be two groups. */
const objectKeys = [{ name: 'first object' }, { name: 'second object' }] as const;

/**
 * The small key alphabet the commands draw from. It mixes strings, numbers
 * and objects, and holds pairs Map-key equality must tell apart (`1` and
 * `'1'`, the two objects) or join (`0` and `-0`, `NaN` with itself).
 */
export const KEYS: readonly unknown[] = ['a', 'b', 1, '1', 0, -0, Number.NaN, null, ...objectKeys];

/** Any key of {@link KEYS}. */
export const keyArb: fc.Arbitrary<unknown> = fc.constantFrom(...KEYS);

/** Writes a key for a command's story: strings quoted, objects by name, `-0` as itself. */
export function showKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'number') return Object.is(key, -0) ? '-0' : String(key);
  if (key !== null && typeof key === 'object' && 'name' in key) return `{${String(key.name)}}`;
  return String(key);
}
