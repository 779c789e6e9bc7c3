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

  if (real.pool.stopped !== model.stopped || real.pool.signal.aborted !== model.stopped) {
    throw new InvariantError(
      'stopped',
      `stopped ${real.pool.stopped}, signal aborted ${real.pool.signal.aborted}, expected ${model.stopped}`,
    );
  }
}
