import fc from 'fast-check';
import type { createRedisPool } from '../../src/redis/index.js';
import { showKey } from '../keys.js';
import type { Want } from '../model.js';
import { AbortReason } from '../system.js';
import { RELEASE_MS, settleWithin } from './failover-check.js';
import { FailoverCommand, forgetReplica, ReplicaSyncCommand } from './failover-commands.js';
import { FleetModel } from './fleet-model.js';
import { afterRedisStep, REDIS_KEYS } from './redis-check.js';
import { type ModelClient, type RedisPoolOptions, RedisSystem } from './redis-system.js';
import { REJOIN_TRIGGERS, RejoinCommand } from './rejoin-command.js';

/** A model-based command over the members of one Redis pool. */
export type RedisCommand = fc.AsyncCommand<FleetModel, RedisSystem>;

const keyArb = fc.constantFrom(...REDIS_KEYS);
const keyedWantArb: fc.Arbitrary<Want> = keyArb.map((key): Want => ({ any: false, key }));
const anyWantArb: fc.Arbitrary<Want> = fc.oneof(fc.constant<Want>({ any: true }), keyedWantArb);
const showWant = (w: Want) => (w.any ? '{}' : `{ key: ${showKey(w.key)} }`);

/** `set(key, target)` on a member: valid targets, and invalid keys or targets that must reject and change nothing. */
class SetCommand implements RedisCommand {
  constructor(
    readonly member: number,
    readonly key: unknown,
    readonly target: unknown,
  ) {}
  check = () => true;
  async run(model: FleetModel, real: RedisSystem): Promise<void> {
    const expected =
      typeof this.key !== 'string' || typeof this.target !== 'number'
        ? 'TypeError'
        : !Number.isSafeInteger(this.target) || this.target < 0
          ? 'RangeError'
          : model.stopped[this.member]
            ? 'PoolStoppedError'
            : undefined;
    let thrown: unknown;
    try {
      await real.member(this.member).set(this.key as string, this.target as number);
    } catch (error) {
      thrown = error;
    }
    if (expected === undefined) {
      if (thrown !== undefined) throw new Error(`${this} threw ${String(thrown)}`);
      model.set(this.key as string, this.target as number);
    } else if (!(thrown instanceof Error) || thrown.name !== expected) {
      throw new Error(`${this} should reject with ${expected}, got ${String(thrown)}`);
    }
    await afterRedisStep(model, real, this.member);
  }
  toString = () => `m${this.member}.set(${showKey(this.key)}, ${String(this.target)})`;
}

class AcquireCommand implements RedisCommand {
  constructor(
    readonly member: number,
    readonly want: Want,
    readonly signal: 'none' | 'live' | 'aborted',
  ) {}
  check = () => true;
  async run(model: FleetModel, real: RedisSystem): Promise<void> {
    const { request } = real.acquire(this.member, this.want, this.signal);
    if (this.signal === 'aborted' && model.exact) {
      model.requestMember.set(request, this.member);
      model.pool.outcomes.push({ request, kind: 'aborted' });
    } else model.acquire(this.member, request, this.want);
    await afterRedisStep(model, real, this.member);
  }
  toString = () =>
    `m${this.member}.acquire(${showWant(this.want)})${this.signal === 'none' ? '' : ` with ${this.signal} signal`}`;
}

class TryAcquireCommand implements RedisCommand {
  constructor(
    readonly member: number,
    readonly want: Want,
  ) {}
  check = () => true;
  async run(model: FleetModel, real: RedisSystem): Promise<void> {
    const got = await real.tryAcquire(this.member, this.want);
    if (!model.exact) return afterRedisStep(model, real, this.member);
    const expected = model.tryAcquire(this.member, this.want);
    if ((got === undefined) !== (expected === undefined)) {
      throw new Error(
        `${this} returned ${got ? `lease ${got.id} of ${showKey(got.key)}` : 'undefined'}, expected ${expected === undefined ? 'undefined' : `model lease ${expected}`}`,
      );
    }
    if (got && expected !== undefined) {
      const key = model.pool.delivered.at(-1)?.key;
      // Its id is checked against the model's grant order by afterRedisStep (ids come from Redis' clock).
      if (got.key !== key) {
        throw new Error(
          `${this} returned lease ${got.id} of ${showKey(got.key)}, expected model lease ${expected} of ${showKey(key)}`,
        );
      }
      real.idOf.set(expected, got.id);
    }
    await afterRedisStep(model, real, this.member);
  }
  toString = () => `m${this.member}.tryAcquire(${showWant(this.want)})`;
}

class ReleaseCommand implements RedisCommand {
  constructor(
    readonly position: number,
    readonly times: 1 | 2,
    readonly how: 'release' | 'asyncDispose',
  ) {}
  check = (model: Readonly<FleetModel>) => !model.exact || model.pool.delivered.length > 0;
  async run(model: FleetModel, real: RedisSystem): Promise<void> {
    if (!model.exact) return this.#runAfterFailover(model, real);
    const i = this.position % model.pool.delivered.length;
    const expected = model.pool.delivered[i];
    const held = real.delivered.find((d) => d.lease.id === real.idOf.get(expected?.leaseId ?? -1));
    if (!expected || !held) throw new Error(`delivered lease #${i} (model ${expected?.leaseId}) is not delivered here`);
    for (let n = 0; n < this.times; n++) {
      if (this.how === 'release') await held.lease.release();
      else await held.lease[Symbol.asyncDispose]();
      held.released = true;
      model.release(expected.leaseId);
    }
    await afterRedisStep(model, real, held.member);
  }
  /** After a failover the model no longer knows the leases: the test's own list is used, and each release must land (D6). */
  async #runAfterFailover(model: FleetModel, real: RedisSystem): Promise<void> {
    const held = real.delivered[this.position % Math.max(1, real.delivered.length)];
    if (!held) return afterRedisStep(model, real, 0);
    for (let n = 0; n < this.times; n++) {
      const releasing = this.how === 'release' ? held.lease.release() : held.lease[Symbol.asyncDispose]();
      await settleWithin(releasing, RELEASE_MS, `release of lease ${held.lease.id}`);
      held.released = true;
    }
    await afterRedisStep(model, real, held.member);
  }
  toString = () => `${this.how} delivered lease #${this.position}${this.times === 2 ? ' twice' : ''}`;
}

class AbortCommand implements RedisCommand {
  constructor(readonly position: number) {}
  check = () => true;
  async run(model: FleetModel, real: RedisSystem): Promise<void> {
    const live = real.requests.filter((r) => r.controller && !r.controller.signal.aborted);
    const target = live[this.position % Math.max(1, live.length)];
    if (target?.controller) {
      target.controller.abort(new AbortReason(target.request));
      model.abort(target.request);
    }
    await afterRedisStep(model, real, target?.member ?? 0);
  }
  toString = () => `abort signalled request #${this.position}`;
}

class DrainedCommand implements RedisCommand {
  constructor(readonly member: number) {}
  check = () => true;
  async run(model: FleetModel, real: RedisSystem): Promise<void> {
    const { request } = real.drained(this.member);
    model.drained(this.member, request);
    await afterRedisStep(model, real, this.member);
  }
  toString = () => `m${this.member}.drained()`;
}

/** `stop()` of one member, never the last live one (its peers keep the pool, and the comparison, going). */
class StopCommand implements RedisCommand {
  constructor(readonly member: number) {}
  check = (model: Readonly<FleetModel>) => !model.stopped[this.member] && model.stopped.filter((s) => !s).length > 1;
  async run(model: FleetModel, real: RedisSystem): Promise<void> {
    await real.member(this.member).stop();
    model.stop(this.member);
    await afterRedisStep(model, real, this.member);
  }
  toString = () => `m${this.member}.stop()`;
}

const targetArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, 1.5, Number.NaN, 2 ** 53, '2', null) },
);

/**
 * Which faults a story may hold besides the calls: members rejoining
 * mid-acquire, a lagging replica promoted; `keyedOnly` leaves out any-key
 * requests (a pool of several shards refuses them, D9).
 */
export interface RedisFaults {
  readonly rejoin?: boolean;
  readonly failover?: boolean;
  readonly keyedOnly?: boolean;
}

/**
 * Stories of calls spread over `members` members of one pool; `stop` only
 * where there are several; rejoins and failovers as `faults` asks.
 */
export function redisCommands(
  members: number,
  maxCommands: number,
  faults: RedisFaults = {},
): fc.Arbitrary<Iterable<RedisCommand>> {
  const member = fc.nat(members - 1);
  const wantArb = faults.keyedOnly ? keyedWantArb : anyWantArb;
  const command = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(
          member,
          fc.oneof({ weight: 20, arbitrary: keyArb }, { weight: 1, arbitrary: fc.constantFrom<unknown>(1, null) }),
          targetArb,
        )
        .map(([m, k, t]) => new SetCommand(m, k, t)),
    },
    {
      weight: 6,
      arbitrary: fc
        .tuple(member, wantArb, fc.constantFrom<'none' | 'live' | 'aborted'>('none', 'none', 'live', 'live', 'aborted'))
        .map(([m, w, s]) => new AcquireCommand(m, w, s)),
    },
    { weight: 2, arbitrary: fc.tuple(member, wantArb).map(([m, w]) => new TryAcquireCommand(m, w)) },
    {
      weight: 6,
      arbitrary: fc
        .tuple(
          fc.nat(20),
          fc.constantFrom<1 | 2>(1, 1, 1, 2),
          fc.constantFrom<'release' | 'asyncDispose'>('release', 'asyncDispose'),
        )
        .map(([p, n, h]) => new ReleaseCommand(p, n, h)),
    },
    { weight: 2, arbitrary: fc.nat(20).map((p) => new AbortCommand(p)) },
    { weight: 1, arbitrary: member.map((m) => new DrainedCommand(m)) },
    { weight: members > 1 ? 1 : 0, arbitrary: member.map((m) => new StopCommand(m)) },
    {
      weight: faults.rejoin ? 3 : 0,
      arbitrary: fc
        .tuple(
          member,
          fc.constantFrom<'acquire' | 'tryAcquire'>('acquire', 'acquire', 'tryAcquire'),
          wantArb,
          fc.constantFrom<'none' | 'live'>('none', 'live'),
          fc.constantFrom(...REJOIN_TRIGGERS),
        )
        .map(([m, c, w, s, via]) => new RejoinCommand(m, c, w, s, via)),
    },
    { weight: faults.failover ? 3 : 0, arbitrary: fc.constant(new ReplicaSyncCommand()) },
    { weight: faults.failover ? 3 : 0, arbitrary: fc.constant(new FailoverCommand()) },
  );
  const replayPath = process.env.FUZZ_REPLAY_PATH;
  return fc.commands([command], { maxCommands, size: 'max', ...(replayPath === undefined ? {} : { replayPath }) });
}

/**
 * Runs `commands` against a fresh pool (members made by `create`, one per
 * client, each with `options.defaultTarget` and `options.shards` if given)
 * and a fresh model, comparing after every command. The model is one pool
 * per key whatever the shards: a sharded pool must match it for keyed
 * commands (D9).
 */
export async function runRedisCommands(
  clients: readonly ModelClient[],
  commands: Iterable<RedisCommand>,
  create: typeof createRedisPool,
  options: RedisPoolOptions = {},
): Promise<void> {
  const real = await RedisSystem.create(clients, create, options);
  try {
    await fc.asyncModelRun(() => ({ model: new FleetModel(clients.length, options.defaultTarget), real }), commands);
  } finally {
    await real.dispose();
    await forgetReplica(real);
  }
}
