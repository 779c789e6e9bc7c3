import { InvariantError } from '../invariants.js';
import { showKey } from '../keys.js';
import { REDIS_KEYS } from './redis-check.js';
import type { DeliveredLease, RedisSystem } from './redis-system.js';

/** How long a `release()` may take to land, or resolve for a lost lease (D5, D6). */
export const RELEASE_MS = 5_000;

/**
 * Time a busy machine (2 shared cores) may add to D11's "within one
 * heartbeat interval": event-loop lag, a reply, a grant's notice. A member
 * that does not mend what it finds never gets there, however long.
 */
const SLACK_MS = 1_500;

function fail(rule: string, detail: string): never {
  throw new InvariantError(rule, detail);
}

/** Resolves as `promise` does, or fails naming `what` once `ms` pass first. */
export async function settleWithin<T>(promise: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InvariantError('D6 nothing hangs', `${what} not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What Redis holds for the pool under each hash tag in ARGV (every shard's,
 * D9), read in one atomic step: each group's counts, and every lease a
 * member's lease hash lists, with its value ("<request> <revoked 0|1> <key>").
 */
const LOOK = String.raw`
local function glob(s) return (string.gsub(s, '[%*%?%[%]\\]', '\\%0')) end
local groups, leases = {}, {}
for _, tag in ipairs(ARGV) do
  local cursor = '0'
  repeat
    local page = redis.call('SCAN', cursor, 'MATCH', glob(tag) .. 'ml:*', 'COUNT', 1000)
    cursor = page[1]
    for i = 1, #page[2] do
      local fields = redis.call('HGETALL', page[2][i])
      for j = 1, #fields do leases[#leases + 1] = fields[j] end
    end
  until cursor == '0'
  local fields = redis.call('HGETALL', tag .. 'groups')
  for j = 1, #fields do groups[#groups + 1] = fields[j] end
end
return { groups, leases }
`;

interface RedisView {
  readonly counts: Map<string, { target: number; active: number }>;
  /** Lease ids (as digits) some member's lease hash lists. */
  readonly listed: Set<string>;
  /** Those of them a `set` revoked (S11). */
  readonly revoked: Set<string>;
}

async function look(real: RedisSystem): Promise<RedisView> {
  const [groups, leases] = (await real.probe.command(['EVAL', LOOK, '0', ...real.tags])) as [string[], string[]];
  const counts = new Map<string, { target: number; active: number }>();
  for (let i = 0; i + 1 < groups.length; i += 2) {
    const [target, active] = String(groups[i + 1])
      .split(' ')
      .map(Number);
    counts.set(String(groups[i]), { target: target ?? 0, active: active ?? 0 });
  }
  const listed = new Set<string>();
  const revoked = new Set<string>();
  for (let i = 0; i + 1 < leases.length; i += 2) {
    listed.add(String(leases[i]));
    if (/^\d+ 1 /.test(String(leases[i + 1]))) revoked.add(String(leases[i]));
  }
  return { counts, listed, revoked };
}

function reasonName(signal: AbortSignal): string | undefined {
  const reason: unknown = signal.reason;
  return signal.aborted && reason instanceof Error ? reason.name : undefined;
}

/**
 * Whether the member told the holder its lease is lost: its signal aborted
 * with LeaseLostError, or (the signal had wound down for another reason
 * first, which a later one cannot change) the lease says so.
 */
function knownLost(d: DeliveredLease): boolean {
  return reasonName(d.lease.signal) === 'LeaseLostError' || (d.lease as { lost?: boolean }).lost === true;
}

/**
 * Lease ids never repeat, and a lease granted to a request asked after
 * another lease of the same shard reached the test has a higher id than
 * that one (D1, D11; D9: ids grow per shard, hence per key), across
 * failovers.
 */
export function checkFencingIds(real: RedisSystem): void {
  const seen = new Map<number, DeliveredLease>();
  for (const d of real.delivered) {
    const { id } = d.lease;
    if (!Number.isSafeInteger(id) || id <= 0) fail('S6 ids', `lease id ${id} is not a positive integer`);
    const twin = seen.get(id);
    if (twin) fail('D11 ids never repeat', `lease ${id} was delivered to m${twin.member} and again to m${d.member}`);
    seen.set(id, d);
  }
  for (const later of real.delivered) {
    for (const earlier of real.delivered) {
      if (real.shardOfLease(earlier.lease.id) !== real.shardOfLease(later.lease.id)) continue;
      if (earlier.deliveredAt < later.askedAt && earlier.lease.id >= later.lease.id) {
        fail(
          'D11 ids never go back',
          `lease ${later.lease.id} of ${showKey(later.lease.key)} (m${later.member}) was asked for after lease ${earlier.lease.id} (m${earlier.member}) was delivered`,
        );
      }
    }
  }
}

interface Violation {
  readonly rule: string;
  readonly detail: string;
  /** Within one heartbeat interval; otherwise within leaseTtl and one interval (a member gone quiet is reaped, D3). */
  readonly withinBeat: boolean;
}

/** D11's promises that take time, as they stand now. */
function violations(real: RedisSystem, view: RedisView): Violation[] {
  const found: Violation[] = [];
  const held = real.delivered.filter((d) => !d.released && !knownLost(d));
  for (const d of held) {
    if (!view.listed.has(String(d.lease.id))) {
      found.push({
        rule: 'D11 lost leases found',
        detail: `m${d.member} holds lease ${d.lease.id} of ${showKey(d.lease.key)}, which Redis no longer lists, and its signal is ${d.lease.signal.aborted ? `aborted with ${String(d.lease.signal.reason)}` : 'not aborted'}`,
        withinBeat: true,
      });
    }
  }
  for (const key of REDIS_KEYS) {
    const target = view.counts.get(key)?.target ?? 0;
    // A revoked lease may outlive the target until released (S11): its signal says so, or Redis
    // does (a lease wound down by its member's stop first keeps that reason on its signal).
    const holders = held.filter(
      (d) =>
        d.lease.key === key &&
        reasonName(d.lease.signal) !== 'LeaseRevokedError' &&
        !view.revoked.has(String(d.lease.id)),
    );
    if (holders.length > target) {
      found.push({
        rule: 'D11 no overlap after a heartbeat interval',
        detail: `${showKey(key)} has target ${target} in Redis, but the test holds ${holders.length} unrevoked leases of it not lost: ${holders.map((d) => `${d.lease.id} (m${d.member})`).join(', ')}`,
        withinBeat: true,
      });
    }
  }
  for (const r of real.pendingAcquires()) {
    if (real.member(r.member).stopped || !r.want) continue;
    const keys = r.want.any ? [...view.counts.keys()] : [r.want.key as string];
    for (const key of keys) {
      const c = view.counts.get(key);
      if (c && c.active < c.target) {
        found.push({
          rule: 'D11 nothing hangs',
          detail: `request ${r.request} of m${r.member} waits while ${showKey(key)} has ${c.active} of ${c.target} active in Redis`,
          withinBeat: true,
        });
      }
    }
  }
  const holding = new Set(held.map((d) => String(d.lease.id)));
  for (const id of view.listed) {
    if (!holding.has(id)) {
      found.push({
        rule: 'D11 no lease counted for nobody',
        detail: `Redis lists lease ${id}, which no holder has (released, lost or never delivered)`,
        withinBeat: false,
      });
    }
  }
  return found;
}

/**
 * After a failover to a lagging replica, Redis' state is no longer what the
 * calls made it, so no model says what each call returns; what D11 promises
 * still holds, and is checked after every step:
 * - at once: lease ids never repeat nor go back; no call rejected with an
 *   unexpected error;
 * - within one heartbeat interval (and slack for a busy machine): every
 *   lease a holder keeps (not released, not told lost) is one Redis lists
 *   (a lease Redis lost has its signal aborted with LeaseLostError); no key
 *   has more such leases, unrevoked, than its target; no pending acquire
 *   waits while a key it accepts has room in Redis;
 * - within leaseTtl and one interval: Redis lists no lease nobody holds
 *   (a release the replica lacked is given back by its member's heartbeat,
 *   a stopped member's by the reap).
 */
export async function checkAfterFailover(real: RedisSystem): Promise<void> {
  const start = Date.now();
  const beat = real.leaseTtl / 3;
  for (;;) {
    if (real.strangeErrors.length > 0) {
      fail('S10 errors', `a request rejected with an unexpected error: ${String(real.strangeErrors[0])}`);
    }
    checkFencingIds(real);
    const found = violations(real, await look(real));
    if (found.length === 0) return;
    const waited = Date.now() - start;
    const due = found.find((v) => waited > (v.withinBeat ? beat : real.leaseTtl + beat) + SLACK_MS);
    if (due) fail(due.rule, `${due.detail} (${waited} ms after the step)`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
