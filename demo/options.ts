import { parseArgs } from 'node:util';

/** What the demo runs, read from its command line. */
export interface DemoOptions {
  /** Each key and its target, in the order given. */
  readonly targets: ReadonlyArray<readonly [key: string, target: number]>;
  /** How many workers acquire leases at once. */
  readonly workers: number;
  /** How long each worker holds a lease, in milliseconds. */
  readonly holdMs: number;
  /** How long the demo runs before it stops the pool, in milliseconds. */
  readonly durationMs: number;
  /** Whether to start the inspect relay and connect the pool to it. */
  readonly inspect: boolean;
  /** The relay's port (0: any free one). */
  readonly inspectPort: number;
  /** The address the relay listens on. */
  readonly inspectHost: string;
  /** Whether to open the relay's page in the default browser. */
  readonly open: boolean;
  /** Print plain lines even on a terminal. */
  readonly plain: boolean;
  /** Target changes while the demo runs, in the order given. */
  readonly changes: readonly TargetChange[];
  /** Whether to serve Prometheus metrics of the pool while the demo runs. */
  readonly metrics: boolean;
  /** The metrics port (0: any free one). */
  readonly metricsPort: number;
  /** The address the metrics endpoint listens on. */
  readonly metricsHost: string;
  /**
   * Redis mode: the members share one pool on this Redis (`start`: a
   * throwaway `redis-server` from PATH, stopped at exit); absent: one
   * process, the in-process pool.
   */
  readonly redis?: { readonly url: string } | 'start';
  /** Redis mode: how many member processes share the pool and the workers. */
  readonly members?: number;
  /** Redis mode: when to `kill -9` member 2, in milliseconds after the start. */
  readonly killMemberMs?: number;
}

/** `--at 1.5s spam=1`: at `atMs` after the start, set `key`'s target to `target`. */
export interface TargetChange {
  readonly atMs: number;
  readonly key: string;
  readonly target: number;
}

/** The command line asked for the help text. */
export interface HelpRequest {
  readonly help: true;
}

/** A command-line argument the demo cannot use; the message names it and its value. */
export class DemoOptionError extends Error {
  override name = 'DemoOptionError';
}

/** The help text of the demo, listing every option and its default. */
export const usage = `Usage: npm start -- [options]

The Go workpool doc's example, live: workers acquire leases from a keyed
pool, hold each for a while and release it; each key's share of the leases
follows its target.

Options:
  --set KEY=TARGET      a key and its target (repeatable; default: --set spam=2 --set eggs=1)
  --workers N           workers acquiring leases at once (default: 12)
  --hold DURATION       how long a worker holds a lease (default: 10ms)
  --duration DURATION   how long to run before stopping the pool (default: 3s)
  --inspect             start a relay for the Stately inspector and print its URL
  --inspect-port PORT   the relay's port, 0 for any free one (default: 8080)
  --inspect-host HOST   the address the relay listens on (default: 127.0.0.1, this machine only)
  --open                open the relay's page in the default browser (with --inspect)
  --at TIME KEY=TARGET  at TIME after the start, set KEY's target (repeatable; 0 allowed): a lower
                        target revokes the newest leases, whose workers stop early
  --plain               plain lines once a second, even on a terminal
  --metrics [PORT]      serve Prometheus metrics of the pool at /metrics while it runs
                        (PORT 0 for any free one; default: 9464)
  --metrics-host HOST   the address the metrics endpoint listens on (default: 127.0.0.1, this machine only)
  --redis [URL]         Redis mode: member processes share one pool on the Redis at URL
                        (redis://host:port); without URL, a throwaway redis-server from PATH
  --members N           Redis mode: member processes sharing the pool and the workers (default: 3)
  --kill-member DURATION  Redis mode: kill -9 member 2 after DURATION; its leases come back
                        within the pool's leaseTtl (2s) and one heartbeat (--duration then
                        defaults to DURATION + 4s)
  -h, --help            show this help

DURATION is a number with a unit: 10ms, 1.5s, 2m.
Ctrl-C stops the pool early, waits for the leases out, and prints the table.`;

const defaults: DemoOptions = {
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
};

/**
 * Takes `--metrics PORT` apart from the rest: `--metrics` may be followed by
 * a port, which parseArgs cannot express. Returns the other arguments and
 * the port text, if one was given.
 */
function takeMetricsPort(argv: readonly string[]): { rest: string[]; port: string | undefined } {
  const at = argv.indexOf('--metrics');
  const next = argv[at + 1];
  if (at < 0 || next === undefined || !/^\d+$/.test(next)) return { rest: [...argv], port: undefined };
  return { rest: [...argv.slice(0, at + 1), ...argv.slice(at + 2)], port: next };
}
/** Member processes in Redis mode when `--members` is not given. */
export const DEFAULT_MEMBERS = 3;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000 } as const;

/** Milliseconds in a duration such as `10ms`, `1.5s` or `2m`. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (!match) throw new DemoOptionError(`${option}: expected a duration such as 10ms, 1.5s or 2m, got "${text}"`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

function parseCount(text: string, option: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new DemoOptionError(`${option}: expected a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function splitSet(set: string, option: string): [string, string] {
  const at = set.lastIndexOf('=');
  if (at <= 0) throw new DemoOptionError(`${option}: expected KEY=TARGET, got "${set}"`);
  return [set.slice(0, at), set.slice(at + 1)];
}

function parseTargets(sets: readonly string[]): DemoOptions['targets'] {
  const targets = new Map<string, number>();
  for (const set of sets) {
    const [key, target] = splitSet(set, '--set');
    if (targets.has(key)) throw new DemoOptionError(`--set: key "${key}" is given twice`);
    targets.set(key, parseCount(target, `--set ${key}`, 0));
  }
  return [...targets];
}

/** Pairs each `--at TIME` with the `KEY=TARGET` that follows it; the key must be one of `targets`. */
function parseChanges(tokens: ReturnType<typeof parseWith>['tokens'], targets: DemoOptions['targets']): TargetChange[] {
  const changes: TargetChange[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token?.kind === 'positional') throw new DemoOptionError(`unexpected argument "${token.value}"`);
    if (token?.kind !== 'option' || token.name !== 'at') continue;
    const time = token.value ?? '';
    const next = tokens[i + 1];
    if (next?.kind !== 'positional') throw new DemoOptionError(`--at ${time}: expected KEY=TARGET after the time`);
    i++;
    const [key, target] = splitSet(next.value, `--at ${time}`);
    if (!targets.some(([known]) => known === key)) {
      throw new DemoOptionError(`--at ${time}: key "${key}" has no --set`);
    }
    changes.push({ atMs: parseDuration(time, '--at'), key, target: parseCount(target, `--at ${time} ${key}`, 0) });
  }
  return changes;
}

/**
 * Reads the demo's command line (without `node` and the script). Returns
 * the options, with defaults for those absent, or a help request.
 *
 * @throws {DemoOptionError} for an unknown option, a missing value, or a
 * value out of range; the message names the option and the value.
 */
export function parseDemoOptions(argv: readonly string[]): DemoOptions | HelpRequest {
  let parsed: ReturnType<typeof parseWith>;
  const { rest, port: metricsPort } = takeMetricsPort(argv);
  try {
    parsed = parseWith(rest);
  } catch (error) {
    throw new DemoOptionError(error instanceof Error ? error.message : String(error));
  }
  const { values, tokens } = parsed;
  if (values.help) return { help: true };
  const inspectPort = values['inspect-port'];
  const targets = values.set ? parseTargets(values.set) : defaults.targets;
  const redis = redisOptions(values);
  return {
    ...redis,
    targets,
    changes: parseChanges(tokens, targets),
    workers: values.workers === undefined ? defaults.workers : parseCount(values.workers, '--workers', 1),
    holdMs: values.hold === undefined ? defaults.holdMs : parseDuration(values.hold, '--hold'),
    durationMs:
      values.duration !== undefined
        ? parseDuration(values.duration, '--duration')
        : redis.killMemberMs !== undefined
          ? // Long enough to see the killed member's share come back (leaseTtl 2 s, a heartbeat, a margin).
            redis.killMemberMs + 4_000
          : defaults.durationMs,
    inspect: values.inspect ?? defaults.inspect,
    inspectPort:
      inspectPort === undefined ? defaults.inspectPort : parseCount(inspectPort, '--inspect-port', 0, 65_535),
    inspectHost: values['inspect-host'] ?? defaults.inspectHost,
    open: values.open ?? defaults.open,
    plain: values.plain ?? defaults.plain,
    metrics: values.metrics ?? defaults.metrics,
    metricsPort: metricsPort === undefined ? defaults.metricsPort : parseCount(metricsPort, '--metrics', 0, 65_535),
    metricsHost: values['metrics-host'] ?? defaults.metricsHost,
  };
}

/** `--redis` may stand alone: a URL follows it only when the next argument is not an option. */
function withRedisValue(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg !== '--redis') out.push(arg);
    else if (i + 1 < argv.length && !(argv[i + 1] as string).startsWith('-')) out.push(`--redis=${argv[++i]}`);
    else out.push('--redis=');
  }
  return out;
}

function redisOptions(
  values: ReturnType<typeof parseWith>['values'],
): Pick<DemoOptions, 'redis' | 'members' | 'killMemberMs'> {
  if (values.redis === undefined) {
    for (const option of ['members', 'kill-member'] as const) {
      if (values[option] !== undefined) throw new DemoOptionError(`--${option}: works only with --redis`);
    }
    return {};
  }
  if (values.inspect) throw new DemoOptionError('--inspect: not available with --redis (inspect one member instead)');
  for (const option of ['at', 'metrics'] as const) {
    if (values[option] !== undefined) throw new DemoOptionError(`--${option}: not available with --redis`);
  }
  if (values.redis !== '' && !/^rediss?:\/\/[^\s]+$/.test(values.redis)) {
    throw new DemoOptionError(`--redis: expected a URL such as redis://127.0.0.1:6379, got "${values.redis}"`);
  }
  const members = values.members === undefined ? DEFAULT_MEMBERS : parseCount(values.members, '--members', 1, 32);
  const killMemberMs =
    values['kill-member'] === undefined ? undefined : parseDuration(values['kill-member'], '--kill-member');
  if (killMemberMs !== undefined && members < 2) {
    throw new DemoOptionError(
      `--kill-member: needs at least 2 members (member 2 is the one killed), got --members ${members}`,
    );
  }
  return {
    redis: values.redis === '' ? 'start' : { url: values.redis },
    members,
    ...(killMemberMs === undefined ? {} : { killMemberMs }),
  };
}

function parseWith(argv: readonly string[]) {
  return parseArgs({
    args: withRedisValue(argv),
    strict: true,
    // Positionals only as the KEY=TARGET of an --at; parseChanges rejects any other.
    allowPositionals: true,
    tokens: true,
    options: {
      at: { type: 'string', multiple: true },
      set: { type: 'string', multiple: true },
      workers: { type: 'string' },
      hold: { type: 'string' },
      duration: { type: 'string' },
      inspect: { type: 'boolean' },
      'inspect-port': { type: 'string' },
      'inspect-host': { type: 'string' },
      open: { type: 'boolean' },
      plain: { type: 'boolean' },
      metrics: { type: 'boolean' },
      'metrics-host': { type: 'string' },
      redis: { type: 'string' },
      members: { type: 'string' },
      'kill-member': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
