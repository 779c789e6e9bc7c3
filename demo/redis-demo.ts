import { type ChildProcess, fork } from 'node:child_process';
import { createClient } from 'redis';
import { createRedisPool, type RedisPool } from '../src/redis/index.js';
import { poolKeys } from '../src/redis/redis-keys.js';
import { formatFinalTable } from './final-table.js';
import { percent, seconds } from './format.js';
import type { View } from './live-view.js';
import type { DemoOptions } from './options.js';
import type { MemberReport, RedisMemberConfig } from './redis-member.js';
import { startRedisServer, type ThrowawayRedis } from './redis-server.js';
import { type FleetStats, type MemberRow, startFleetLines, startFleetLiveView } from './redis-view.js';
import type { DemoOutput } from './run-demo.js';
import type { KeyStats } from './stats.js';

/** The members' `leaseTtl`: short, so that a killed member's share comes back within a few seconds. */
export const DEMO_LEASE_TTL = 2_000;

interface Member {
  readonly index: number;
  readonly child: ChildProcess;
  report: MemberReport | undefined;
  state: MemberRow['state'];
  /** Resolves at its first report: it has joined the pool. */
  readonly joined: Promise<void>;
  readonly exited: Promise<void>;
}

function spawnMember(index: number, config: RedisMemberConfig): Member {
  const child = fork(new URL('./redis-member.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DEMO_MEMBER: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let joined: () => void = () => {};
  const member: Member = {
    index,
    child,
    report: undefined,
    state: 'joining',
    joined: new Promise((resolve, reject) => {
      joined = resolve;
      child.once('exit', (code, signal) =>
        reject(new Error(`member ${index} exited (${code ?? signal}) before joining`)),
      );
    }),
    exited: new Promise((resolve) => child.once('exit', () => resolve())),
  };
  child.on('message', (report: MemberReport) => {
    member.report = report;
    if (member.state === 'joining') member.state = 'running';
    joined();
  });
  child.once('exit', () => {
    if (member.state !== 'killed') member.state = 'left';
  });
  return member;
}

/** Workers per member: `total` split as evenly as it goes, the first members taking the remainder. */
export function splitWorkers(total: number, members: number): number[] {
  return Array.from({ length: members }, (_, i) => Math.floor(total / members) + (i < total % members ? 1 : 0));
}

/**
 * The demo in Redis mode: `options.members` member processes share one pool
 * on Redis (a throwaway `redis-server` when no URL is given) and the
 * workers; this process sets the targets and shows fleet-wide counts per
 * key (read from Redis) and each member's grants. With `killMemberMs`,
 * member 2 is killed with SIGKILL then, and the view shows its leases
 * coming back to the others. At the end (duration, SIGINT or SIGTERM) the
 * members stop and leave, the targets are set back to 0, and a throwaway
 * server is stopped.
 */
export async function runRedisDemo(options: DemoOptions, output: DemoOutput): Promise<void> {
  const print = (text: string) => output.stream.write(`${text}\n`);
  let server: ThrowawayRedis | undefined;
  if (options.redis === 'start') {
    server = await startRedisServer();
    print(`Started a throwaway redis-server on ${server.url} (stopped at exit).`);
  }
  const url = server?.url ?? (options.redis as { url: string }).url;
  const name = `demo-${process.pid}-${Date.now()}`;
  const client = createClient({ url });
  client.on('error', () => {});
  let pool: RedisPool<string> | undefined;
  const members: Member[] = [];
  try {
    await client.connect();
    pool = await createRedisPool<string>({ redis: client, name, leaseTtl: DEMO_LEASE_TTL });
    for (const [key, target] of options.targets) await pool.set(key, target);
    const count = options.members ?? 1;
    const shares = splitWorkers(options.workers, count);
    for (const [i, workers] of shares.entries()) {
      members.push(spawnMember(i + 1, { url, name, workers, holdMs: options.holdMs, leaseTtl: DEMO_LEASE_TTL }));
    }
    await Promise.all(members.map((m) => m.joined));
    print(
      `Running ${options.targets.map(([k, t]) => `${k}=${t}`).join(' ')} on ${url} (pool "${name}") with ${count} member processes ` +
        `sharing ${options.workers} workers (${shares.join('+')}), each holding a lease ${options.holdMs}ms, for ${options.durationMs}ms (Ctrl-C stops).`,
    );
    await runFleet({ pool, client, name }, members, options, output, url);
  } finally {
    for (const member of members) if (member.child.exitCode === null) member.child.kill('SIGKILL');
    if (pool) {
      for (const [key] of options.targets) await pool.set(key, 0).catch(() => {});
      await pool.stop();
      await pool.done;
    }
    if (client.isOpen) await client.close();
    await server?.stop();
  }
}

/** The parent's own member of the pool, and the connection it reads the killed member's leases with. */
interface Observer {
  readonly pool: RedisPool<string>;
  readonly client: ReturnType<typeof createClient>;
  readonly name: string;
}

async function runFleet(
  { pool, client, name }: Observer,
  members: Member[],
  options: DemoOptions,
  output: DemoOutput,
  url: string,
): Promise<void> {
  const print = (text: string) => output.stream.write(`${text}\n`);
  // Counts of a member are final once it has left; a killed member's last report stands.
  const granted = () => {
    const byKey = new Map<string, number>();
    for (const m of members) {
      for (const [key, n] of Object.entries(m.report?.granted ?? {})) byKey.set(key, (byKey.get(key) ?? 0) + n);
    }
    return byKey;
  };
  let fleet = options.targets.map(([key]) => ({ key, target: 0, active: 0 }));
  let stopped = false;
  let killedAt: number | undefined;
  let cameBackAfter: number | undefined;
  let mostHeldByKilled = 0;
  const started = performance.now();
  // The killed member's leases as Redis holds them (its hash of leases), until the pool takes them back.
  let killedHolds = 0;
  const heldByKilled = () => killedHolds;
  const killedLeases = () => `${poolKeys('workpool', name).tag}ml:${members[1]?.report?.member}`;
  const poll = async () => {
    fleet = await Promise.all(options.targets.map(async ([key]) => ({ key, ...(await pool.get(key)) })));
    if (killedAt === undefined) return;
    killedHolds = await client.hLen(killedLeases());
    mostHeldByKilled = Math.max(mostHeldByKilled, killedHolds);
    // Reaped: no longer a member of the pool (its leases were taken back in the same script).
    const reaped =
      (await client.zScore(`${poolKeys('workpool', name).tag}members`, members[1]?.report?.member ?? '')) === null;
    if (cameBackAfter === undefined && reaped && killedHolds === 0) cameBackAfter = performance.now() - killedAt;
  };
  const event = () => {
    if (killedAt === undefined) return undefined;
    const at = seconds(killedAt - started);
    const held = `up to ${mostHeldByKilled} leases held by it (its own, and grants to its queued requests)`;
    if (cameBackAfter !== undefined)
      return `member 2 killed at ${at}; ${held}; its share came back after ${seconds(cameBackAfter)}`;
    return `member 2 killed at ${at}; ${held}; they come back once the pool reaps it (leaseTtl ${seconds(DEMO_LEASE_TTL)})`;
  };
  const read = (): FleetStats => {
    const counts = granted();
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const targetSum = options.targets.reduce((sum, [, t]) => sum + t, 0);
    const keys: KeyStats[] = options.targets.map(([key, asked], i) => ({
      key,
      target: fleet[i]?.target ?? 0,
      active: fleet[i]?.active ?? 0,
      granted: counts.get(key) ?? 0,
      // Target changes (--at) are not offered in Redis mode, so nothing is revoked.
      revoked: 0,
      share: total === 0 ? 0 : (counts.get(key) ?? 0) / total,
      targetShare: targetSum === 0 ? 0 : asked / targetSum,
    }));
    const rows = members.map((m) => ({
      index: m.index,
      pid: m.child.pid ?? 0,
      granted: Object.values(m.report?.granted ?? {}).reduce((a, b) => a + b, 0),
      held: m.state === 'running' ? (m.report?.held ?? 0) : 0,
      state: m.state,
    }));
    return {
      keys,
      members: rows,
      heldByKilled: heldByKilled(),
      event: event(),
      elapsedMs: performance.now() - started,
      stopped,
    };
  };

  let ending: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    ending = resolve;
  });
  const onSignal = () => ending();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const timer = setTimeout(() => ending(), options.durationMs);
  const killTimer =
    options.killMemberMs === undefined
      ? undefined
      : setTimeout(() => {
          const victim = members[1] as Member;
          victim.state = 'killed';
          victim.child.kill('SIGKILL');
          killedAt = performance.now();
        }, options.killMemberMs);
  let polling = true;
  const poller = (async () => {
    while (polling) {
      await poll().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const run = { workers: options.workers, holdMs: options.holdMs, durationMs: options.durationMs, redis: url };
  const view: View =
    output.isTerminal && !options.plain ? startFleetLiveView(read, run, output.stream) : startFleetLines(read, print);

  await ended;
  clearTimeout(timer);
  clearTimeout(killTimer);
  // Stop the members: each stops its pool, its workers release their last leases, it reports and leaves.
  for (const m of members) if (m.state === 'running' || m.state === 'joining') m.child.send('stop');
  await Promise.all(members.map((m) => m.exited));
  polling = false;
  await poller;
  await poll().catch(() => {});
  stopped = true;
  view.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  print('');
  print(formatFinalTable(options.targets, granted(), options.workers));
  const total = read().members.reduce((sum, m) => sum + m.granted, 0);
  for (const m of read().members) {
    print(
      `member ${m.index} (pid ${m.pid}): ${m.granted} leases (${percent(total === 0 ? 0 : m.granted / total)})` +
        (m.state === 'killed' ? ', killed' : ''),
    );
  }
  const last = event();
  if (last) print(last);
}
