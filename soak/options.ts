import { parseArgs } from 'node:util';

/** What `npm run soak` takes. */
export interface SoakOptions {
  /** How long to run, in minutes. */
  readonly minutes: number;
  /** Commands per epoch, after which the pool is brought back to empty and checked. */
  readonly epoch: number;
  /** Seconds between progress lines. */
  readonly reportSeconds: number;
  /** The fast-check seed, for replaying a failure. */
  readonly seed: number;
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`Expected --${name} to be a positive number, got \`${raw}\``);
  return value;
}

/** Reads the command line; throws a `RangeError` naming a bad value. */
export function readSoakOptions(argv: readonly string[]): SoakOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      minutes: { type: 'string' },
      epoch: { type: 'string' },
      'report-seconds': { type: 'string' },
      seed: { type: 'string' },
    },
  });
  return {
    minutes: positive('minutes', values.minutes, 1),
    epoch: Math.round(positive('epoch', values.epoch, 2_000)),
    reportSeconds: positive('report-seconds', values['report-seconds'], 60),
    seed: values.seed === undefined ? Date.now() ^ (Math.random() * 2 ** 31) : Math.trunc(Number(values.seed)),
  };
}
