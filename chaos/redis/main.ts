/**
 * `npm run chaos:redis -- --minutes N [--seed S] [--members M] [--sentinel | --cluster] [--shards N]`:
 * member processes (`member.ts`) do random acquire / tryAcquire / release /
 * set / abort against one Redis pool while this run kills them (`kill -9`),
 * pauses them (SIGSTOP … SIGCONT, sometimes past `leaseTtl`), stops and
 * restarts them, and pauses Redis (`CLIENT PAUSE`). Then it checks the
 * members' logs (`check.ts`) and the snapshots of Redis' state it took
 * every 250 ms (`redis-state.ts`), prints the figures and exits 1 on any
 * violation. Starts its own `redis-server` (loopback, no persistence).
 *
 * `--sentinel` starts a Sentinel set instead (`failover-set.ts`: a
 * primary, a replica replicating through a relay that can hold the stream
 * back, three sentinels); members connect through the sentinels, node-redis
 * `createSentinel()` and ioredis `sentinels` in turn. Every 30–60 s
 * (`failovers.ts`) the run kills the primary with SIGKILL, half the time
 * after holding the replica back 200–800 ms while members write, waits for
 * the promotion and brings the killed server back as the new replica, so
 * the next failover has a target. The checks then hold D11: lease ids never
 * repeat and never go back across failovers; a key has more live leases
 * than its target only inside a failover window (kill → promotion + one
 * heartbeat interval + slack, `failover-windows.ts`), at most two holders
 * per unit, and never otherwise; the sentinels made no failover the run did
 * not cause. `leaseTtl` defaults to 4.5 s there, longer than a failover.
 *
 * `--shards N` runs a pool of N shards (D9): its keys are chosen so that
 * each shard holds the same number of them (at least one, 6 keys in all
 * with one shard), every request names a key (a sharded pool refuses
 * any-key requests), and the snapshots read every shard. `--cluster` starts
 * a 3-master Redis Cluster instead of one server (`test/fleet/cluster.ts`,
 * no replicas, no failovers); members connect with node-redis
 * `createCluster()` and ioredis `Cluster` in turn, and each `CLIENT PAUSE`
 * hits one master, at random.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { redisServerOnPath } from '../../demo/redis-server.js';
import { createRedisPool } from '../../src/redis/index.js';
import { shardOf } from '../../src/redis/shards.js';
import { startChaosRedis } from './chaos-redis.js';
import { checkRun, type MemberLog, type Violation } from './check.js';
import { type ChaosEvent, type MemberEvent, now } from './events.js';
import { type FailoverFigures, runFailovers } from './failovers.js';
import type { MemberConfig } from './member.js';
import { Random } from './random.js';
import { RedisStateChecker } from './redis-state.js';
import { classifyUnlogged } from './unlogged.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    seed: { type: 'string' },
    members: { type: 'string', default: '4' },
    workers: { type: 'string', default: '6' },
    'lease-ttl': { type: 'string' },
    sentinel: { type: 'boolean', default: false },
    cluster: { type: 'boolean', default: false },
    shards: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
  },
});
const minutes = Number(values.minutes);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const slots = Number(values.members);
const workers = Number(values.workers);
const sentinel = values.sentinel;
const shards = Number(values.shards);
if (sentinel && values.cluster) throw new TypeError('--sentinel and --cluster exclude each other');
if (!Number.isSafeInteger(shards) || shards < 1 || shards > 1024)
  throw new TypeError(`--shards must be an integer from 1 to 1024, got ${values.shards}`);
// With failovers, 4.5 s: longer than a failover (~2–3 s), so members keep their memberships through it and the
// new primary's lost grants meet live holders (what D11 bounds); 1.5 s otherwise, so reaps come often.
const leaseTtl = Number(values['lease-ttl'] ?? (sentinel ? 4_500 : 1_500));
for (const [name, value] of Object.entries({ minutes, seed, members: slots, workers, 'lease-ttl': leaseTtl })) {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`--${name} must be a positive number, got ${value}`);
}
if (!redisServerOnPath()) {
  console.error('chaos:redis needs a redis-server on PATH (Debian/Ubuntu: apt-get install -y redis-server)');
  process.exit(1);
}

const random = new Random(seed);
/**
 * `k0`, `k1`, … taken in order until every shard holds `ceil(6 / shards)`
 * of them: k0–k5 with one shard, as before; one key a shard from 6 shards
 * up, so that every shard is busy.
 */
function keysOverShards(): string[] {
  const perShard = Math.ceil(6 / shards);
  const filled = new Array<number>(shards).fill(0);
  const chosen: string[] = [];
  for (let i = 0; chosen.length < perShard * shards; i++) {
    const shard = shardOf(`k${i}`, shards);
    if ((filled[shard] as number) < perShard) {
      filled[shard] = (filled[shard] as number) + 1;
      chosen.push(`k${i}`);
    }
  }
  return chosen;
}
const keys = keysOverShards();
const name = `chaos-${seed}`;
const dir = mkdtempSync(join(tmpdir(), 'chaos-redis-'));
mkdirSync(join(dir, 'logs'));
const chaos: ChaosEvent[] = [];
const figures = { kills: 0, pauses: 0, longPauses: 0, stops: 0, redisPauses: 0, starts: 0 };
let incarnation = 0;
/** `CLIENT PAUSE`s per server of `redis.pausable` (the Cluster's masters). */
const pausesPerNode: number[] = [];

const redis = await startChaosRedis(sentinel ? 'sentinel' : values.cluster ? 'cluster' : 'server');
const { admin } = redis;
const state = new RedisStateChecker(admin, name, keys, shards);
console.log(
  `chaos:redis — seed ${seed}, ${minutes} min, ${slots} member processes × ${workers} workers, ` +
    `${shards === 1 ? '' : `${shards} shards, `}keys ${keys.join(' ')}, ` +
    `leaseTtl ${leaseTtl} ms; ${redis.description}; logs in ${dir}`,
);
/** Set while the primary is being failed over: CLIENT PAUSE waits for the next act. */
const busy = { failingOver: false };

/** The initial targets, set by a member of this process that then leaves (its calls logged like a member's). */
async function setInitialTargets(): Promise<void> {
  const client = await redis.connect();
  const pool = await createRedisPool<string>({ redis: client.redis, name, leaseTtl, shards });
  const log = join(dir, 'logs', 'initial.jsonl');
  const lines: MemberEvent[] = [{ ev: 'join', member: pool.member, pid: process.pid, t: now() }];
  for (const key of keys) {
    const target = random.int(1, 3);
    const t0 = now();
    lines.push({ ev: 'set', key, target, t0 });
    await pool.set(key, target);
    lines.push({ ev: 'set-end', t0, t: now(), ok: true });
  }
  await pool.stop();
  await client.close();
  writeFileSync(
    log,
    lines
      .map((line) => JSON.stringify(line))
      .join('\n')
      .concat('\n'),
  );
}

interface Slot {
  child: ChildProcess | undefined;
  /** Resolves when the current child has exited. */
  exited: Promise<void>;
}

function startMember(slot: number): Promise<Slot> {
  const config: MemberConfig = {
    ...redis.memberTarget,
    name,
    keys,
    shards,
    leaseTtl,
    workers,
    seed: random.int(0, 2 ** 31),
    log: join(dir, 'logs', `member-${slot}-${++incarnation}.jsonl`),
    client: incarnation % 2 === 0 ? 'ioredis' : 'node-redis',
  };
  const child = fork(new URL('./member.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, CHAOS_MEMBER: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  figures.starts++;
  chaos.push({ ev: 'start', slot, pid: child.pid as number, t: now() });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve({ child, exited }));
    child.once('exit', (code, signal) => reject(new Error(`member ${slot} exited (${code ?? signal}) before joining`)));
  });
}

async function stopMember(slot: number, member: Slot): Promise<void> {
  const child = member.child as ChildProcess;
  chaos.push({ ev: 'stop', slot, pid: child.pid as number, t: now() });
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await member.exited;
  clearTimeout(timer);
}

/** One act of chaos, chosen at random; returns once it is over (restarts included). */
async function act(members: Slot[]): Promise<void> {
  const roll = random.next();
  const slot = random.int(0, members.length - 1);
  const member = members[slot] as Slot;
  const child = member.child as ChildProcess;
  const pid = child.pid as number;
  if (roll < 0.3) {
    child.kill('SIGKILL');
    chaos.push({ ev: 'kill', slot, pid, t: now() });
    figures.kills++;
    await member.exited;
    await sleep(random.int(100, 1_500));
    members[slot] = await startMember(slot);
  } else if (roll < 0.6) {
    const ms = random.next() < 0.4 ? random.int(leaseTtl + 200, leaseTtl * 2) : random.int(50, leaseTtl / 3);
    const t0 = now();
    child.kill('SIGSTOP');
    await sleep(ms);
    child.kill('SIGCONT');
    chaos.push({ ev: 'pause', slot, pid, t0, t: now() });
    figures.pauses++;
    if (ms > leaseTtl) figures.longPauses++;
  } else if (roll < 0.75) {
    figures.stops++;
    await stopMember(slot, member);
    members[slot] = await startMember(slot);
  } else if (!busy.failingOver) {
    // With sentinels, short enough that with their PING period (1 s) it stays under their down-after (2 s): a
    // longer silence would be a failover the run did not make.
    const ms = random.int(50, sentinel ? 500 : Math.floor(leaseTtl / 3));
    const t0 = now();
    // On a Cluster, one master: the shards there stall while the others go on.
    const index = redis.pausable.length === 1 ? 0 : random.int(0, redis.pausable.length - 1);
    const node = redis.pausable[index] as (typeof redis.pausable)[number];
    // Refused while a failover has left no primary yet: then there is no pause to log.
    if (
      await node.call('CLIENT', 'PAUSE', String(ms), 'ALL').then(
        () => true,
        () => false,
      )
    ) {
      await sleep(ms);
      chaos.push({ ev: 'redis-pause', t0, t: now() });
      figures.redisPauses++;
      pausesPerNode[index] = (pausesPerNode[index] ?? 0) + 1;
    }
  }
}

const violations: Violation[] = [];
let members: Slot[] = [];
let failovers: FailoverFigures | undefined;
try {
  await setInitialTargets();
  members = await Promise.all(Array.from({ length: slots }, (_, slot) => startMember(slot)));
  const deadline = now() + minutes * 60_000;
  const failing = redis.set
    ? runFailovers({
        set: redis.set,
        random: new Random(seed ^ 0x5e471e1),
        // The last one leaves time for its window to pass while members still work.
        lastStart: deadline - 15_000,
        beforeKill: (t) => state.failingOver(t),
        chaos,
        busy,
      })
    : undefined;
  // A failover that fails (no promotion in time) ends the chaos at once; `await failing` below rethrows it.
  let failoverFailed = false;
  failing?.catch(() => {
    failoverFailed = true;
  });
  let snapshotting = true;
  const snapshots = (async () => {
    while (snapshotting) {
      await state.snapshot().catch(() => {});
      await sleep(250);
    }
  })();
  while (now() < deadline && !failoverFailed) {
    await sleep(random.int(300, 2_000));
    await act(members);
  }
  failovers = await failing;
  if (redis.set) {
    const epoch = await redis.set.configEpoch();
    if (epoch !== redis.set.failovers)
      violations.push({
        rule: 'unplanned failover',
        detail: `the sentinels' config epoch is ${epoch}, after ${redis.set.failovers} failovers the run made`,
      });
  }
  // Stop every member properly, then let any dead one be reaped by a last member's script.
  await Promise.all(members.map((member, slot) => stopMember(slot, member)));
  snapshotting = false;
  await snapshots;
  await sleep(leaseTtl + leaseTtl / 3 + 200);
  const client = await redis.connect();
  const last = await createRedisPool<string>({ redis: client.redis, name, leaseTtl, shards });
  const left = await Promise.all(keys.map((key) => last.get(key)));
  await last.stop();
  await client.close();
  await state.snapshot();
  left.forEach((counts, i) => {
    if (counts.active !== 0) {
      violations.push({
        rule: 'redis state',
        detail: `key ${keys[i]} still has ${counts.active} active leases after every member left`,
      });
    }
  });
} finally {
  for (const member of members) member.child?.kill('SIGKILL');
  if (redis.set)
    writeFileSync(
      join(dir, 'sentinel-events.txt'),
      redis.set.events.map((e) => `${e.t.toFixed(1)} ${e.event}\n`).join(''),
    );
  await redis.stop();
}

const { readdirSync } = await import('node:fs');
const logs: MemberLog[] = readdirSync(join(dir, 'logs')).map((file) => ({
  events: readFileSync(join(dir, 'logs', file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as MemberEvent),
}));
const result = checkRun(logs, chaos, leaseTtl, shards);
violations.push(...result.violations, ...state.findings.violations);
const logged = new Map<number, string>();
for (const { events } of logs) for (const e of events) if (e.ev === 'grant') logged.set(e.id, e.key);
for (const [id, { key }] of state.findings.seen) {
  const loggedKey = logged.get(id);
  if (loggedKey !== undefined && loggedKey !== key)
    violations.push({
      rule: 'unlogged lease',
      detail: `lease ${id} logged for ${loggedKey}, held in Redis for ${key}`,
    });
}
const unlogged = classifyUnlogged(state.findings.seen, logs, chaos, leaseTtl);
writeFileSync(
  join(dir, 'chaos.jsonl'),
  chaos
    .map((c) => JSON.stringify(c))
    .join('\n')
    .concat('\n'),
);
if (unlogged.unexplained.length > 0)
  violations.push({
    rule: 'unlogged lease',
    detail: `${unlogged.unexplained.length} leases held in Redis by a live member that no worker got and no ended acquire explains: ${unlogged.unexplained
      .slice(0, 10)
      .map((id) => {
        const lease = state.findings.seen.get(id);
        return lease
          ? `${id} (member ${lease.member}, request ${lease.request}, seen at t=${lease.firstT.toFixed(0)}–${lease.lastT.toFixed(0)} ms)`
          : String(id);
      })
      .join(', ')}`,
  });
for (const id of logged.keys()) {
  const shard = id % shards;
  const last = state.findings.lastLeaseIds[shard] ?? 0;
  if (id > last) {
    violations.push({
      rule: 'redis state',
      detail: `logged lease ${id} is above Redis' last id ${last}${shards === 1 ? '' : ` of shard ${shard}`}`,
    });
    break;
  }
}

/** The fewest and most grants a shard had, from the logs. */
function grantsPerShard(): string {
  const counts = new Array<number>(shards).fill(0);
  for (const id of logged.keys()) counts[id % shards] = (counts[id % shards] as number) + 1;
  return `${Math.min(...counts).toLocaleString('en-US')}–${Math.max(...counts).toLocaleString('en-US')} (${shards} shards)`;
}

const errorCounts = new Map<string, number>();
const stalls: number[] = [];
for (const { events } of logs) {
  for (const e of events) {
    if (e.ev === 'op') errorCounts.set(`${e.op}: ${e.what}`, (errorCounts.get(`${e.op}: ${e.what}`) ?? 0) + 1);
    else if (e.ev === 'stall') stalls.push(e.t - e.t0);
  }
}
console.log(
  [
    `member processes started: ${figures.starts} (${slots} slots)`,
    `operations started: ${result.operations.toLocaleString('en-US')} (acquire, tryAcquire, set; counted by the members, ≤ 1 s lost per kill)`,
    ...(failovers
      ? [
          `failovers: ${failovers.failovers} (${failovers.lagged} after holding the replica back, ${failovers.heldBytes} replication bytes never delivered), ` +
            `kill → promotion ${failovers.promotions.map((ms) => ms.toFixed(0)).join(', ')} ms; ` +
            `moments a key was over its target inside a failover window (allowed, D11): ${result.failoverOverlaps}`,
        ]
      : []),
    `chaos: ${figures.kills} kill -9, ${figures.pauses} SIGSTOP/SIGCONT (${figures.longPauses} longer than leaseTtl), ${figures.stops} stop+restart, ${figures.redisPauses} CLIENT PAUSE` +
      (redis.pausable.length > 1
        ? ` (per master: ${redis.pausable.map((_, i) => pausesPerNode[i] ?? 0).join(', ')})`
        : ''),
    ...(shards > 1 ? [`grants per shard: ${grantsPerShard()}`] : []),
    `member stalls (event loop late by over 100 ms: a starved machine): ${stalls.length}, longest ${Math.max(0, ...stalls).toFixed(0)} ms`,
    `grants: ${result.grants.toLocaleString('en-US')}, released: ${result.released.toLocaleString('en-US')}, lost (LeaseLostError): ${result.lost}, revoked by set: ${result.revoked}, sets: ${result.sets}`,
    `other outcomes: ${[...errorCounts].map(([what, n]) => `${what} ${n}`).join(', ') || 'none'}`,
    `Redis snapshots: ${state.findings.snapshots}, leases seen in them: ${state.findings.seen.size}; never logged as granted: ` +
      `${unlogged.counts['acquire ended first']} granted as their acquire ended (aborted, or the member stopping) and given back, ` +
      `${unlogged.counts['holder paused']} granted to a member paused until the pool reaped it, ` +
      `${unlogged.counts['holder killed']} held by a member killed before a worker logged them, ` +
      `${unlogged.counts['lost in failover']} granted by a primary just before its kill and lost with it, ${unlogged.counts.unexplained} unexplained; ` +
      `most leases over a target seen (draining): ${state.findings.drainingSeen}, last lease id ${state.findings.lastLeaseId}`,
    `violations: ${violations.length}`,
    ...violations.slice(0, 20).map((v) => `  ${v.rule}: ${v.detail}`),
  ].join('\n'),
);
if (!values.keep && violations.length === 0) rmSync(dir, { recursive: true, force: true });
else console.log(`logs kept in ${dir}`);
process.exit(violations.length === 0 ? 0 : 1);
