import { describe, expect, test } from 'vitest';
import { DEFAULT_MEMBERS, DemoOptionError, parseDemoOptions, usage } from '../demo/options.js';
import { splitWorkers } from '../demo/redis-demo.js';
import { formatFleetLine, renderFleetFrame } from '../demo/redis-view.js';

describe('the demo options of Redis mode', () => {
  test('--redis without a URL asks for a throwaway redis-server, with 3 members', () => {
    expect(parseDemoOptions(['--redis'])).toMatchObject({ redis: 'start', members: DEFAULT_MEMBERS });
    expect(parseDemoOptions(['--redis', '--plain'])).toMatchObject({ redis: 'start', plain: true });
  });

  test('--redis URL (or --redis=URL) uses that Redis', () => {
    expect(parseDemoOptions(['--redis', 'redis://127.0.0.1:6379'])).toMatchObject({
      redis: { url: 'redis://127.0.0.1:6379' },
    });
    expect(parseDemoOptions(['--redis=rediss://cache:6380'])).toMatchObject({ redis: { url: 'rediss://cache:6380' } });
  });

  test('--members and --kill-member are read with --redis', () => {
    expect(parseDemoOptions(['--redis', '--members', '5', '--kill-member', '2s'])).toMatchObject({
      members: 5,
      killMemberMs: 2_000,
    });
  });

  test('--kill-member without --duration runs long enough to see the share come back', () => {
    expect(parseDemoOptions(['--redis', '--kill-member', '2s'])).toMatchObject({ durationMs: 6_000 });
    expect(parseDemoOptions(['--redis', '--kill-member', '2s', '--duration', '1s'])).toMatchObject({
      durationMs: 1_000,
    });
  });

  test('without --redis the options are those of the in-process demo', () => {
    const options = parseDemoOptions([]);
    expect(options).not.toHaveProperty('redis');
    expect(options).not.toHaveProperty('members');
    expect(options).not.toHaveProperty('killMemberMs');
  });

  test('the help text lists the Redis options', () => {
    for (const option of ['--redis', '--members', '--kill-member']) expect(usage).toContain(option);
  });

  test.each([
    [['--members', '3'], /--members: works only with --redis/],
    [['--kill-member', '2s'], /--kill-member: works only with --redis/],
    [['--redis', 'localhost:6379'], /--redis.*"localhost:6379"/],
    [['--redis', '--members', '0'], /--members.*"0"/],
    [['--redis', '--members', '33'], /--members.*"33"/],
    [['--redis', '--kill-member', 'soon'], /--kill-member.*"soon"/],
    [['--redis', '--members', '1', '--kill-member', '1s'], /--kill-member: needs at least 2 members/],
    [['--redis', '--inspect'], /--inspect: not available with --redis/],
    [['--redis', '--at', '1s', 'spam=1'], /--at: not available with --redis/],
    [['--redis', '--metrics'], /--metrics: not available with --redis/],
  ])('%j is refused with a message naming it', (argv, message) => {
    expect(() => parseDemoOptions(argv)).toThrow(DemoOptionError);
    expect(() => parseDemoOptions(argv)).toThrow(message);
  });
});

describe('the Redis demo', () => {
  test('splits the workers over the members, the first ones taking the remainder', () => {
    expect(splitWorkers(12, 3)).toEqual([4, 4, 4]);
    expect(splitWorkers(10, 3)).toEqual([4, 3, 3]);
    expect(splitWorkers(2, 3)).toEqual([1, 1, 0]);
  });

  const stats = {
    keys: [
      { key: 'spam', target: 2, active: 2, granted: 20, revoked: 0, share: 2 / 3, targetShare: 2 / 3 },
      { key: 'eggs', target: 1, active: 1, granted: 10, revoked: 0, share: 1 / 3, targetShare: 1 / 3 },
    ],
    members: [
      { index: 1, pid: 101, granted: 18, held: 2, state: 'running' as const },
      { index: 2, pid: 102, granted: 12, held: 0, state: 'killed' as const },
    ],
    heldByKilled: 1,
    event: 'member 2 killed at 1.0s',
    elapsedMs: 1_500,
    stopped: false,
  };

  test('a plain line shows fleet-wide counts per key, grants per member and what a killed member holds', () => {
    expect(formatFleetLine(stats)).toBe(
      '  1.5s  spam 2/2 active, 20 leases (66.7%) · eggs 1/1 active, 10 leases (33.3%)  members 1:18 2:12(killed)  1 held by killed',
    );
  });

  test('a live frame has a row per key and a row per member', () => {
    const plain = { bold: String, dim: String, cyan: String, green: String, yellow: String } as never;
    const frame = renderFleetFrame(stats, { workers: 12, holdMs: 10, durationMs: 3_000, redis: 'redis://x' }, plain);
    expect(frame).toMatch(/^spam +2 +2\/2 +20 /m);
    expect(frame).toMatch(/^member 1 +101 +18 +2 /m);
    expect(frame).toMatch(/^member 2 +102 +12 +0 .*killed$/m);
    expect(frame).toContain('1 leases held by a killed member · member 2 killed at 1.0s');
  });
});
