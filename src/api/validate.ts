import { got } from './describe-value.js';

/**
 * Throws unless `target` is a non-negative safe integer (SPEC S1): a
 * `TypeError` for a non-number, a `RangeError` for a number out of range.
 */
export function assertTarget(target: unknown): asserts target is number {
  const expected = 'Expected `target` to be a non-negative safe integer';
  if (typeof target !== 'number') throw new TypeError(`${expected}, ${got(target)}`);
  if (!Number.isSafeInteger(target) || target < 0) throw new RangeError(`${expected}, ${got(target)}`);
}

/** Throws a `TypeError` if `key` is `undefined`, which means "any key" where a key is optional. */
export function assertKey(key: unknown): void {
  if (key === undefined) {
    throw new TypeError(`Expected \`key\` to be a value other than undefined, ${got(key)}`);
  }
}

/**
 * Throws a `TypeError` unless `options` is `undefined` or a plain object
 * whose own keys are all in `allowed`; a misspelt option fails loudly
 * rather than being ignored.
 */
export function assertOptions(
  options: unknown,
  call: string,
  allowed: readonly string[],
): asserts options is { readonly [name: string]: unknown } | undefined {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`Expected the options of \`${call}\` to be an object, ${got(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!allowed.includes(name)) {
      throw new TypeError(
        `Unknown option \`${name}\` for \`${call}\`; expected ${allowed.map((a) => `\`${a}\``).join(' or ')}`,
      );
    }
  }
}

/** Throws a `TypeError` unless `signal` is `undefined` or an `AbortSignal`. */
export function assertSignal(signal: unknown): asserts signal is AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`Expected \`signal\` to be an AbortSignal, ${got(signal)}`);
  }
}

/** Throws a `TypeError` unless `fn` is a function. */
export function assertFunction(fn: unknown, name: string): asserts fn is (...args: never[]) => unknown {
  if (typeof fn !== 'function') throw new TypeError(`Expected \`${name}\` to be a function, ${got(fn)}`);
}
