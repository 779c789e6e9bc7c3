import { getEventListeners } from 'node:events';
import { KEYS, showKey } from './keys.js';
import { sameKey } from './model.js';
import type { RealSystem } from './system.js';

/** A broken invariant; its message names the rule and the values that break it. */
export class InvariantError extends Error {
  constructor(rule: string, detail: string) {
    super(`${rule}: ${detail}`);
    this.name = 'InvariantError';
  }
}

function fail(rule: string, detail: string): never {
  throw new InvariantError(rule, detail);
}

/**
 * Checks the rules that hold of the real pool alone, whatever the model
 * says, once every promise reaction has run:
 * - active ≤ target, except a draining group, whose active never grows (S1a, S2);
 * - no pending `acquire()` beside a group that could serve it (S5);
 * - lease ids positive, unique and increasing in delivery order, but for `tryAcquire`'s, which return at once (S6);
 * - each group's active equals the leases delivered and not released (no lease lost or counted twice, S6, S7);
 * - nothing pending and nothing granted after stop (S8);
 * - `keys()` lists each group once, and only groups with a target or a lease out (S1);
 * - a settled request leaves no listener on its signal, nor a stopped pool on its parent signal.
 */
export function checkInvariants(real: RealSystem): void {
  const { pool } = real;
  if (real.strangeErrors.length > 0) {
    fail('S10 errors', `a request rejected with an unexpected error: ${String(real.strangeErrors[0])}`);
  }

  const keys = pool.keys();
  const all = [...keys, ...KEYS.filter((k) => !keys.some((g) => sameKey(g, k)))];
  keys.forEach((k, i) => {
    if (keys.findIndex((g) => sameKey(g, k)) !== i) fail('S1 keys', `keys() lists ${showKey(k)} twice`);
    const { target, active } = pool.get(k);
    if (target === 0 && active === 0) fail('S1 removal', `keys() lists ${showKey(k)} with target 0 and active 0`);
  });

  for (const k of all) {
    const { target, active } = pool.get(k);
    const inKeys = keys.some((g) => sameKey(g, k));
    if (!inKeys && (target !== 0 || active !== 0)) {
      fail('S1 keys', `get(${showKey(k)}) is {${target}, ${active}} but keys() does not list it`);
    }
    const before = real.lastCounts.get(k) ?? { target: 0, active: 0 };
    if (active > target && active > before.active) {
      fail('S2 grant rule', `${showKey(k)} grew from ${before.active} to ${active} active over target ${target}`);
    }
    const held = real.delivered.filter((l) => sameKey(l.key, k) && !real.released.has(l)).length;
    if (held !== active) {
      fail('S6/S7 conservation', `${showKey(k)} counts ${active} active but the test holds ${held} of its leases`);
    }
  }

  for (const r of real.pendingAcquires()) {
    if (pool.stopped) fail('S8 stop', `request ${r.request} still pending after stop`);
    const want = r.want;
    if (!want) continue;
    const servers = want.any ? keys : keys.filter((k) => sameKey(k, want.key));
    for (const k of servers) {
      const { target, active } = pool.get(k);
      if (active < target) {
        fail('S5 no lost wake-ups', `request ${r.request} waits while ${showKey(k)} has ${active} of ${target} active`);
      }
    }
  }

  let lastId = 0;
  let maxId = 0;
  const seen = new Set<number>();
  for (const lease of real.delivered) {
    if (!Number.isSafeInteger(lease.id) || lease.id <= 0)
      fail('S6 ids', `lease id ${lease.id} is not a positive integer`);
    if (seen.has(lease.id)) fail('S6 ids', `lease id ${lease.id} delivered twice`);
    if (!String(lease).includes(String(lease.id))) fail('S6 ids', `lease ${lease.id} prints as ${String(lease)}`);
    seen.add(lease.id);
    maxId = Math.max(maxId, lease.id);
    if (real.tried.has(lease)) continue;
    if (lease.id < lastId) fail('S6 ids', `lease id ${lease.id} delivered after ${lastId}`);
    lastId = lease.id;
  }
  lastId = maxId;
  if (real.lastIdAtStop !== undefined && lastId > real.lastIdAtStop) {
    fail('S8 stop', `lease ${lastId} granted after stop (last before stop: ${real.lastIdAtStop})`);
  }
  if (pool.stopped && real.lastIdAtStop === undefined) real.lastIdAtStop = lastId;

  for (const r of real.requests) {
    if (r.settled && r.controller && getEventListeners(r.controller.signal, 'abort').length > 0) {
      fail('listeners', `request ${r.request} settled but left a listener on its signal`);
    }
  }
  if (pool.stopped && real.parent && getEventListeners(real.parent.signal, 'abort').length > 0) {
    fail('listeners', 'the stopped pool left a listener on the signal it was created with');
  }

  real.lastCounts = new Map(all.map((k) => [k, pool.get(k)]));
}
