import { InvariantError } from './invariants.js';
import { KEYS, showKey } from './keys.js';
import { type Outcome, type PoolModel, sameKey } from './model.js';
import type { RealSystem } from './system.js';

function showOutcome(o: Outcome | undefined): string {
  if (!o) return 'nothing';
  if (o.kind === 'lease') return `request ${o.request} got lease ${o.leaseId} of ${showKey(o.key)}`;
  return `request ${o.request} ${o.kind}`;
}

function sameOutcome(a: Outcome | undefined, b: Outcome | undefined): boolean {
  if (!a || !b || a.request !== b.request || a.kind !== b.kind) return false;
  if (a.kind === 'lease' && b.kind === 'lease') return a.leaseId === b.leaseId && sameKey(a.key, b.key);
  return true;
}

/**
 * Compares the real pool with the model after a command: what settled
 * since the last comparison, in order (which waiter got which lease of which
 * key, what rejected and why); `get` of every key; `keys()` in order;
 * `stopped` and `signal`. Throws an error naming the first difference.
 */
export function compareWithModel(model: PoolModel, real: RealSystem): void {
  const expected = model.outcomes;
  const seen = real.log.slice(real.logRead);
  for (let i = 0; i < Math.max(expected.length, seen.length); i++) {
    if (!sameOutcome(expected[i], seen[i])) {
      throw new InvariantError(
        'settle order',
        `step ${i}: expected ${showOutcome(expected[i])}, saw ${showOutcome(seen[i])}`,
      );
    }
  }
  model.outcomes = [];
  real.logRead = real.log.length;

  for (const k of KEYS) {
    const want = model.get(k);
    const got = real.pool.get(k);
    if (want.target !== got.target || want.active !== got.active) {
      throw new InvariantError(
        'counts',
        `get(${showKey(k)}) is {target ${got.target}, active ${got.active}}, expected {target ${want.target}, active ${want.active}}`,
      );
    }
  }

  const wantKeys = model.keys();
  const gotKeys = real.pool.keys();
  if (wantKeys.length !== gotKeys.length || wantKeys.some((k, i) => !sameKey(k, gotKeys[i]))) {
    throw new InvariantError(
      'keys',
      `keys() is [${gotKeys.map(showKey).join(', ')}], expected [${wantKeys.map(showKey).join(', ')}]`,
    );
  }

  compareLeaseSignals(model, real);

  if (real.pool.stopped !== model.stopped || real.pool.signal.aborted !== model.stopped) {
    throw new InvariantError(
      'stopped',
      `stopped ${real.pool.stopped}, signal aborted ${real.pool.signal.aborted}, expected ${model.stopped}`,
    );
  }
}

/**
 * Compares each delivered lease's signal with the model (S11): aborted
 * exactly when the model revoked it or the pool stopped while it was out,
 * with the matching error. Signals of even ids are read at every check (so
 * they are watched while out); odd ids only once released or stopped, so
 * the first read of a signal after the fact is checked as well.
 */
function compareLeaseSignals(model: PoolModel, real: RealSystem): void {
  for (const lease of real.delivered) {
    if (lease.id % 2 === 1 && !real.released.has(lease) && !model.stopped) continue;
    const want = model.windDown.get(lease.id);
    const { signal } = lease;
    const reason: unknown = signal.reason;
    const got = !signal.aborted
      ? undefined
      : reason instanceof Error &&
          reason.name === 'LeaseRevokedError' &&
          sameKey((reason as { key?: unknown }).key, lease.key)
        ? 'revoked'
        : reason instanceof Error && reason.name === 'PoolStoppedError'
          ? 'stopped'
          : `aborted with ${String(reason)}`;
    if (got !== want) {
      throw new InvariantError(
        'lease signal',
        `lease ${lease.id} of ${showKey(lease.key)}${real.released.has(lease) ? ' (released)' : ''}: signal ${got ?? 'not aborted'}, expected ${want ?? 'not aborted'}`,
      );
    }
  }
}
