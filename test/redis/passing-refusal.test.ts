import { describe, expect, test } from 'vitest';
import { isPassingRefusal } from '../../src/redis/passing-refusal.js';

describe('which refusals of Redis pass by themselves (D6)', () => {
  test.each([
    "OOM command not allowed when used memory > 'maxmemory'.",
    'LOADING Redis is loading the dataset in memory',
    'BUSY Redis is busy running a script.',
    'TRYAGAIN Multiple keys request during rehashing of slot',
    'MOVED 3999 127.0.0.1:6381',
    'ASK 3999 127.0.0.1:6381',
    "READONLY You can't write against a read only replica.",
    'CLUSTERDOWN The cluster is down',
    'MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no',
    'NOREPLICAS Not enough good replicas to write.',
  ])('%s passes', (message) => {
    expect(isPassingRefusal(new Error(message))).toBe(true);
  });

  test.each([
    'NOPERM this user has no permissions to run the eval command',
    'WRONGTYPE Operation against a key holding the wrong kind of value',
    'ERR unknown command',
    'NOSCRIPT No matching script.',
    'OOMX not a code of Redis',
  ])('%s does not pass', (message) => {
    expect(isPassingRefusal(new Error(message))).toBe(false);
  });

  test('a value that is not an Error does not pass', () => {
    expect(isPassingRefusal('OOM command not allowed')).toBe(false);
  });
});
