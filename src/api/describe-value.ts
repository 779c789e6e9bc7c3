/**
 * Writes `value` as a message should quote it: strings in quotes, numbers
 * as written (`-0`, `NaN`), bigints with `n`, objects by their tag. Never
 * throws, whatever the value.
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return `[function ${value.name || 'anonymous'}]`;
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? `[array of ${value.length}]` : Object.prototype.toString.call(value);
    default:
      return String(value);
  }
}

/** The type word for messages: `typeof`, except `null` and `array`. */
export function typeWord(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** "got `-1` (number)", the tail every validation message ends with. */
export function got(value: unknown): string {
  return `got \`${describeValue(value)}\` (${typeWord(value)})`;
}
