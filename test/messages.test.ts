import { describe, expect, test } from 'vitest';
import { describeValue, got, typeWord } from '../src/api/describe-value.js';
import { createPool } from '../src/index.js';

describe('values in error messages', () => {
  test.each([
    ['a string, quoted', 'x', '"x"'],
    ['a number as written', 1.5, '1.5'],
    ['negative zero as -0', -0, '-0'],
    ['NaN', Number.NaN, 'NaN'],
    ['a bigint with n', 3n, '3n'],
    ['a symbol with its description', Symbol('s'), 'Symbol(s)'],
    ['a named function', function work() {}, '[function work]'],
    ['an anonymous function', Object.defineProperty(() => {}, 'name', { value: '' }), '[function anonymous]'],
    ['null', null, 'null'],
    ['an array by its length', [1, 2], '[array of 2]'],
    ['an object by its tag', new Map(), '[object Map]'],
    ['undefined', undefined, 'undefined'],
    ['a boolean', false, 'false'],
  ])('shows %s', (_, value, shown) => {
    expect(describeValue(value)).toBe(shown);
  });

  test('the type word is typeof, except null and array', () => {
    expect([typeWord(null), typeWord([]), typeWord({}), typeWord(1), typeWord('s')]).toEqual([
      'null',
      'array',
      'object',
      'number',
      'string',
    ]);
  });

  test('got() ends every validation message the same way', () => {
    expect(got(-1)).toBe('got `-1` (number)');
  });

  test('an unknown option names the option, the call and every allowed option', async () => {
    const pool = createPool<string>();
    await expect(pool.acquire({ kye: 'a' } as never)).rejects.toThrow(
      'Unknown option `kye` for `acquire`; expected `key` or `signal`',
    );
    expect(() => createPool({ signl: 1 } as never)).toThrow(
      'Unknown option `signl` for `createPool`; expected `signal` or `inspect`',
    );
  });

  test('the stopped-pool error of set says what was refused', () => {
    const pool = createPool<string>();
    pool.stop();
    expect(() => pool.set('k', 1)).toThrow('Cannot set the target of a stopped pool');
  });
});
