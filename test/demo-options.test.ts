import { describe, expect, test } from 'vitest';
import { DemoOptionError, parseDemoOptions, parseDuration, usage } from '../demo/options.js';

describe('the demo options', () => {
  test('with no arguments, run the Go doc example for 3 s without inspection', () => {
    expect(parseDemoOptions([])).toEqual({
      targets: [
        ['spam', 2],
        ['eggs', 1],
      ],
      workers: 12,
      holdMs: 10,
      durationMs: 3_000,
      inspect: false,
      inspectPort: 8080,
      inspectHost: '127.0.0.1',
      open: false,
      plain: false,
      changes: [],
      metrics: false,
      metricsPort: 9464,
      metricsHost: '127.0.0.1',
    });
  });

  test('--at TIME KEY=TARGET changes a target while the demo runs, repeatable, 0 allowed', () => {
    const options = parseDemoOptions(['--at', '1.5s', 'spam=1', '--at', '2s', 'eggs=0']);
    expect('changes' in options && options.changes).toEqual([
      { atMs: 1_500, key: 'spam', target: 1 },
      { atMs: 2_000, key: 'eggs', target: 0 },
    ]);
  });

  test('--at needs a KEY=TARGET of a key given with --set, and no stray argument is taken', () => {
    expect(() => parseDemoOptions(['--at', '1s'])).toThrow(/--at 1s: expected KEY=TARGET/);
    expect(() => parseDemoOptions(['--at', '1s', 'ham=1'])).toThrow(/key "ham" has no --set/);
    expect(() => parseDemoOptions(['--at', '1s', 'spam=-1'])).toThrow(DemoOptionError);
    expect(() => parseDemoOptions(['spam=1'])).toThrow(/unexpected argument "spam=1"/);
  });

  test('--metrics serves on 9464 unless a port follows it; --metrics-host sets the address', () => {
    expect(parseDemoOptions(['--metrics'])).toMatchObject({ metrics: true, metricsPort: 9464 });
    expect(parseDemoOptions(['--metrics', '0', '--plain'])).toMatchObject({
      metrics: true,
      metricsPort: 0,
      plain: true,
    });
    expect(parseDemoOptions(['--metrics', '--plain'])).toMatchObject({ metrics: true, metricsPort: 9464, plain: true });
    expect(parseDemoOptions(['--metrics', '9100', '--metrics-host', '::1'])).toMatchObject({
      metricsPort: 9100,
      metricsHost: '::1',
    });
  });

  test('a --metrics port out of range is refused, naming it', () => {
    expect(() => parseDemoOptions(['--metrics', '70000'])).toThrow(
      new DemoOptionError('--metrics: expected a whole number from 0 to 65535, got "70000"'),
    );
  });

  test('--set takes any keys and targets, in the order given', () => {
    const options = parseDemoOptions(['--set', 'a=3', '--set', 'b=1', '--set', 'c=5']);
    expect('targets' in options && options.targets).toEqual([
      ['a', 3],
      ['b', 1],
      ['c', 5],
    ]);
  });

  test('--set accepts target 0, as the pool does', () => {
    const options = parseDemoOptions(['--set', 'a=0', '--set', 'b=2']);
    expect('targets' in options && options.targets).toEqual([
      ['a', 0],
      ['b', 2],
    ]);
  });

  test('a key may contain "=": the last one splits key from target', () => {
    const options = parseDemoOptions(['--set', 'x=y=2']);
    expect('targets' in options && options.targets).toEqual([['x=y', 2]]);
  });

  test('--workers, --hold, --duration and the inspect options are read', () => {
    const options = parseDemoOptions([
      '--workers',
      '4',
      '--hold',
      '2.5s',
      '--duration',
      '1m',
      '--inspect',
      '--inspect-port',
      '0',
      '--inspect-host',
      '127.0.0.2',
      '--open',
      '--plain',
    ]);
    expect(options).toMatchObject({
      workers: 4,
      holdMs: 2_500,
      durationMs: 60_000,
      inspect: true,
      inspectPort: 0,
      inspectHost: '127.0.0.2',
      open: true,
      plain: true,
    });
  });

  test('--help and -h ask for the help text', () => {
    expect(parseDemoOptions(['--help'])).toEqual({ help: true });
    expect(parseDemoOptions(['-h'])).toEqual({ help: true });
  });

  test('the help text lists every option', () => {
    for (const option of [
      '--set',
      '--workers',
      '--hold',
      '--duration',
      '--inspect',
      '--inspect-port',
      '--inspect-host',
      '--open',
      '--plain',
      '--help',
    ]) {
      expect(usage).toContain(option);
    }
  });

  test.each([
    [['--bogus'], /bogus/],
    [['--set', 'spam'], /--set.*"spam"/],
    [['--set', '=2'], /--set.*"=2"/],
    [['--set', 'spam=-1'], /--set spam.*"-1"/],
    [['--set', 'spam=1.5'], /--set spam.*"1.5"/],
    [['--set', 'spam=1', '--set', 'spam=2'], /"spam" is given twice/],
    [['--workers', '0'], /--workers.*"0"/],
    [['--workers', 'many'], /--workers.*"many"/],
    [['--hold', '10'], /--hold.*"10"/],
    [['--duration', '3 s'], /--duration.*"3 s"/],
    [['--inspect-port', '65536'], /--inspect-port.*"65536"/],
    [['--workers'], /--workers/],
    [['extra'], /extra/],
  ])('%j is refused with a message naming it', (argv, message) => {
    expect(() => parseDemoOptions(argv)).toThrow(DemoOptionError);
    expect(() => parseDemoOptions(argv)).toThrow(message);
  });

  test('durations take ms, s and m', () => {
    expect(parseDuration('10ms', '--hold')).toBe(10);
    expect(parseDuration('1.5s', '--hold')).toBe(1_500);
    expect(parseDuration('2m', '--hold')).toBe(120_000);
  });
});
