import { expect, test } from 'vitest';
import { maxQuotedReason, quoteRedisError } from '../../src/redis/quote-redis-error.js';

const source = `-- a script of the pool, long enough to be recognised\n${'local x = 1\n'.repeat(2_000)}`;

test('Redis’ one-line reason is quoted as it is', () => {
  expect(quoteRedisError(new Error("NOPERM this user has no permissions to run the 'eval' command"), source)).toBe(
    "NOPERM this user has no permissions to run the 'eval' command",
  );
});

test('a message quoting the script’s text keeps what comes before it, and not the text', () => {
  const quoted = quoteRedisError(new Error(`ERR cannot run ${source}`), source);
  expect(quoted).toBe('ERR cannot run <script text>');
});

test('the arguments Redis echoes for an unknown command are left out', () => {
  const echoed = `ERR unknown command 'EVAL', with args beginning with: '${source.slice(0, 100)}' `;
  expect(quoteRedisError(new Error(echoed), source)).toBe("ERR unknown command 'EVAL'");
});

test('only the first line of a message is quoted', () => {
  expect(quoteRedisError(new Error('ERR first line\nsecond line'))).toBe('ERR first line');
});

test('a long reason is cut at the limit and marked as cut', () => {
  const quoted = quoteRedisError(new Error(`ERR ${'x'.repeat(5_000)}`));
  expect(quoted).toHaveLength(maxQuotedReason + 1);
  expect(quoted.endsWith('…')).toBe(true);
});

test('a thrown value that is no Error is quoted as its string', () => {
  expect(quoteRedisError('socket closed')).toBe('socket closed');
});
