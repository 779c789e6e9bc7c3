import { InvariantError } from '../invariants.js';
import { showKey } from '../keys.js';
import type { Outcome } from '../model.js';
import { checkAfterFailover } from './failover-check.js';
import type { FleetModel } from './fleet-model.js';
import type { RedisSystem } from './redis-system.js';

/** The string keys the Redis commands draw from (D1: keys are strings), hostile ones included (D8). */
export const REDIS_KEYS: readonly string[] = ['a', 'b', '1', '', '{a}', 'x:1'];

/** How long a step waits for the outcomes the model expects (a grant pushed to another member, D4). */
const SETTLE_MS = 1_000;

function fail(rule: string, detail: string): never {
  throw new InvariantError(rule, detail);
}

function show(o: Outcome | undefined): string {
  if (!o) return 'nothing';
  if (o.kind === 'lease') return `request ${o.request} got lease ${o.leaseId} of ${showKey(o.key)}`;
  return `request ${o.request} ${o.kind}`;
}

/**
 * After a command on member `member`: waits until the member's calls have
 * reached Redis and the outcomes the model expects have settled (they come
 * from several members, so their settle order is not compared: the same
 * outcomes must settle, and lease ids must rise in the model's grant order);
 * then compares `get` of every key, `keys()` and `waiting()` (all and per
 * key, D10) with the model, and checks
 * the invariants that need no model.
 */
export async function afterRedisStep(model: FleetModel, real: RedisSystem, member: number): Promise<void> {
  await real.barrier(member);
  if (!model.exact) {
    await checkAfterFailover(real);
    return;
  }
  const expected = model.takeOutcomes();
  const from = real.logRead;
  await real.waitForLog(from + expected.length, SETTLE_MS);
  const seen = real.log.slice(from);
  real.logRead = real.log.length;

  const byRequest = (a: Outcome, b: Outcome) => a.request - b.request;
  const want = [...expected].sort(byRequest);
  const got = [...seen].sort(byRequest);
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    const w = want[i];
    const g = got[i];
    if (!w || !g || w.request !== g.request || w.kind !== g.kind) {
      fail('settled outcomes', `expected [${want.map(show).join('; ')}], saw [${got.map(show).join('; ')}]`);
    }
    if (w.kind === 'lease' && g.kind === 'lease') {
      // Ids are drawn from Redis' clock (D11), so they are not the model's 1, 2, 3: checkIdOrder holds
      // them to the model's grant order, and the counts compared after each step catch a lease issued
      // to no one and kept.
      if (w.key !== g.key) fail('settled outcomes', `expected ${show(w)}, saw ${show(g)}`);
      const shard = real.shardOfKey(String(g.key));
      if (real.shardOfLease(g.leaseId) !== shard) {
        fail('D9 ids', `${show(g)}: its id names shard ${real.shardOfLease(g.leaseId)}, its key is in ${shard}`);
      }
      real.idOf.set(w.leaseId, g.leaseId);
    }
  }
  checkIdOrder(real);
  await compareLeaseSignals(model, real);
  await compareCounts(model, real);
}

/** Why the signal of `lease` aborted, as the model names it, or `undefined`. */
function windDownOf(signal: AbortSignal, key: string): string | undefined {
  if (!signal.aborted) return undefined;
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'LeaseRevokedError' && (reason as { key?: unknown }).key === key) {
    return 'revoked';
  }
  if (reason instanceof Error && reason.name === 'PoolStoppedError') return 'stopped';
  if (reason instanceof Error && reason.name === 'LeaseLostError') return 'lost';
  return `aborted with ${String(reason)}`;
}

/**
 * Each delivered lease's signal aborted exactly when the model revoked it,
 * its member stopped, or a rejoin of its member lost it while it was out,
 * with the matching error (S11, D6, D5). A revocation reaches another member's lease by a push, so this
 * waits up to the settle time for the signals to agree.
 */
async function compareLeaseSignals(model: FleetModel, real: RedisSystem): Promise<void> {
  const modelIdOf = new Map([...real.idOf].map(([m, r]) => [r, m]));
  const mismatch = () => {
    for (const { lease, released } of real.delivered) {
      const want = model.windDown(modelIdOf.get(lease.id) ?? -1);
      const got = windDownOf(lease.signal, lease.key);
      if (got !== want) {
        return `lease ${lease.id} of ${showKey(lease.key)}${released ? ' (released)' : ''}: signal ${got ?? 'not aborted'}, expected ${want ?? 'not aborted'}`;
      }
    }
    return undefined;
  };
  const deadline = Date.now() + SETTLE_MS;
  while (mismatch() !== undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  const found = mismatch();
  if (found) fail('lease signal', found);
}

/**
 * Real lease ids rise in the model's grant order, and are unique positive
 * integers (D1, S6); on a sharded pool, in each shard (D9: ids grow per
 * shard, hence per key, and a lease's shard is its id modulo the shards).
 */
export function checkIdOrder(real: RedisSystem): void {
  const last = new Map<number, number>();
  const seen = new Set<number>();
  for (const [modelId, realId] of [...real.idOf].sort(([a], [b]) => a - b)) {
    if (!Number.isSafeInteger(realId) || realId <= 0) fail('S6 ids', `lease id ${realId} is not a positive integer`);
    if (seen.has(realId)) fail('D1 ids', `model lease ${modelId} was delivered as ${realId}, an id delivered before`);
    seen.add(realId);
    const shard = real.shardOfLease(realId);
    const before = last.get(shard) ?? 0;
    if (realId <= before) fail('D1 ids', `model lease ${modelId} was delivered as ${realId}, after ${before}`);
    last.set(shard, realId);
  }
}

async function compareCounts(model: FleetModel, real: RedisSystem): Promise<void> {
  if (real.strangeErrors.length > 0) {
    fail('S10 errors', `a request rejected with an unexpected error: ${String(real.strangeErrors[0])}`);
  }
  const observer = real.live()[0];
  if (observer === undefined) return;
  const pool = real.member(observer);
  // A lost lease is no longer counted (D5), released or not.
  const lost = new Set([...model.lostLeases].map((id) => real.idOf.get(id)));
  const counts = new Map<string, { target: number; active: number }>();
  for (const k of REDIS_KEYS) {
    const wanted = model.pool.get(k);
    const got = await pool.get(k);
    counts.set(k, got);
    if (wanted.target !== got.target || wanted.active !== got.active) {
      fail(
        'counts',
        `get(${showKey(k)}) is {target ${got.target}, active ${got.active}}, expected {target ${wanted.target}, active ${wanted.active}}`,
      );
    }
    const held = real.delivered.filter((d) => d.lease.key === k && !d.released && !lost.has(d.lease.id)).length;
    if (held !== got.active)
      fail('S6/S7 conservation', `${showKey(k)} counts ${got.active} active but the test holds ${held}`);
  }
  for (const k of [undefined, ...REDIS_KEYS]) {
    const wanted = model.pool.waiting(k);
    const got = await pool.waiting(k === undefined ? {} : { key: k });
    if (wanted !== got) {
      fail('D10 waiting', `waiting(${k === undefined ? '' : showKey(k)}) is ${got}, expected ${wanted}`);
    }
  }
  const wantKeys = (model.pool.keys() as string[]).slice().sort();
  const gotKeys = (await pool.keys()).slice().sort();
  if (wantKeys.length !== gotKeys.length || wantKeys.some((k, i) => k !== gotKeys[i])) {
    fail('keys', `keys() is [${gotKeys.map(showKey).join(', ')}], expected [${wantKeys.map(showKey).join(', ')}]`);
  }
  for (const r of real.pendingAcquires()) {
    if (real.member(r.member).stopped) fail('D6 stop', `request ${r.request} still pending after its member stopped`);
    const want = r.want;
    if (!want) continue;
    for (const k of want.any ? gotKeys : [want.key as string]) {
      const c = counts.get(k);
      if (c && c.active < c.target) {
        fail(
          'S5 no lost wake-ups',
          `request ${r.request} waits while ${showKey(k)} has ${c.active} of ${c.target} active`,
        );
      }
    }
  }
}
