import { got } from './describe-value.js';

/**
 * Throws unless `target` is a non-negative safe integer: a
 * `TypeError` for a non-number, a `RangeError` for a number out of range.
 */
export function assertTarget(target: unknown): asserts target is number {
  const expected = 'Expected `target` to be a non-negative safe integer';
  if (typeof target !== 'number') throw new TypeError(`${expected}, ${got(target)}`);
  if (!Number.isSafeInteger(target) || target < 0) throw new RangeError(`${expected}, ${got(target)}`);
}

/**
 * Throws unless `defaultTarget` is a safe integer ≥ 1: a `TypeError` for a
 * non-number, a `RangeError` for a number out of range.
 */
export function assertDefaultTarget(defaultTarget: unknown): asserts defaultTarget is number {
  const expected = 'Expected `defaultTarget` to be a safe integer ≥ 1';
  if (typeof defaultTarget !== 'number') throw new TypeError(`${expected}, ${got(defaultTarget)}`);
  if (!Number.isSafeInteger(defaultTarget) || defaultTarget < 1) {
    throw new RangeError(`${expected}, ${got(defaultTarget)}`);
  }
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

const abortedGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')?.get;

/** Whether `value` is a real `AbortSignal`: its prototype and its brand (the getter of `aborted` accepts it). */
function isAbortSignal(value: unknown): value is AbortSignal {
  if (!(value instanceof AbortSignal)) return false;
  try {
    abortedGetter?.call(value);
    return true;
  } catch {
    return false;
  }
}

/** Throws a `TypeError` unless `signal` is `undefined` or a real `AbortSignal`. */
export function assertSignal(signal: unknown): asserts signal is AbortSignal | undefined {
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`Expected \`signal\` to be an AbortSignal, ${got(signal)}`);
  }
}

/**
 * Throws a `TypeError` unless `inspect` is `undefined`, a function, or an
 * observer object whose `next`, `error` and `complete` are each a function
 * or absent.
 */
export function assertInspect(inspect: unknown): void {
  if (inspect === undefined || typeof inspect === 'function') return;
  if (typeof inspect !== 'object' || inspect === null) {
    throw new TypeError(`Expected \`inspect\` to be a function or an observer object, ${got(inspect)}`);
  }
  const observer = inspect as Record<string, unknown>;
  for (const name of ['next', 'error', 'complete']) {
    const method = observer[name];
    if (method !== undefined && typeof method !== 'function') {
      throw new TypeError(`Expected \`inspect.${name}\` to be a function or absent, ${got(method)}`);
    }
  }
}

/** Throws a `TypeError` unless `fn` is a function. */
export function assertFunction(fn: unknown, name: string): asserts fn is (...args: never[]) => unknown {
  if (typeof fn !== 'function') throw new TypeError(`Expected \`${name}\` to be a function, ${got(fn)}`);
}
