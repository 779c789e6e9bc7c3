import fc from 'fast-check';
import { keyArb, showKey } from '../keys.js';
import type { Want } from '../model.js';

/** What a request accepts: any key half the time, else one key of the alphabet. */
export const wantArb: fc.Arbitrary<Want> = fc.oneof(
  fc.constant<Want>({ any: true }),
  keyArb.map((key): Want => ({ any: false, key })),
);

/** A want as the options of the call: `{}` or `{ key }`. */
export function showWant(want: Want): string {
  return want.any ? '{}' : `{ key: ${showKey(want.key)} }`;
}
