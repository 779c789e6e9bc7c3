import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { createPool, type Lease, type Pool, PoolStoppedError } from '../src/index.js';
import { InvariantError } from './invariants.js';
import { sameKey, type Want } from './model.js';
import { flushMicrotasks } from './system.js';

const RACE_KEYS = ['a', 'b', 'c'] as const;

/** One caller racing the others: a loop of `acquire()` or a `for await` over `pool.leases()`. */
export interface Requester {
  readonly kind: 'acquire' | 'iterator';
  readonly want: Want;
  /** No signal, one a burst may abort, or one aborted before the first call. */
  readonly signal: 'none' | 'live' | 'aborted';
  readonly rounds: number;
}

/** One thing a burst does; a burst does its actions in one synchronous turn. */
export type RaceAction =
  | { readonly type: 'release'; readonly position: number }
  | { readonly type: 'abort'; readonly requester: number }
  | { readonly type: 'return'; readonly requester: number }
  | { readonly type: 'stop' }
  | { readonly type: 'set'; readonly key: string; readonly target: number }
  | { readonly type: 'try'; readonly want: Want };

/** Targets to start with, the callers, and the bursts the scheduler interleaves with them. */
export interface RaceScenario {
  readonly targets: ReadonlyArray<readonly [string, number]>;
  readonly requesters: readonly Requester[];
  readonly bursts: ReadonlyArray<readonly RaceAction[]>;
}

const raceKeyArb = fc.constantFrom(...RACE_KEYS);
const raceWantArb: fc.Arbitrary<Want> = fc.oneof(
  fc.constant<Want>({ any: true }),
  raceKeyArb.map((key): Want => ({ any: false, key })),
);

const actionArb: fc.Arbitrary<RaceAction> = fc.oneof(
  { weight: 4, arbitrary: fc.nat(9).map((position): RaceAction => ({ type: 'release', position })) },
  { weight: 2, arbitrary: fc.nat(5).map((requester): RaceAction => ({ type: 'abort', requester })) },
  { weight: 2, arbitrary: fc.nat(5).map((requester): RaceAction => ({ type: 'return', requester })) },
  { weight: 1, arbitrary: fc.constant<RaceAction>({ type: 'stop' }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(raceKeyArb, fc.integer({ min: 0, max: 2 }))
      .map(([key, target]): RaceAction => ({ type: 'set', key, target })),
  },
  { weight: 1, arbitrary: raceWantArb.map((want): RaceAction => ({ type: 'try', want })) },
);

/** Scenarios small enough to shrink to a readable story. */
export const raceScenarioArb: fc.Arbitrary<RaceScenario> = fc.record({
  targets: fc.array(fc.tuple(raceKeyArb, fc.integer({ min: 0, max: 2 })), { maxLength: 3 }),
  requesters: fc.array(
    fc.record({
      kind: fc.constantFrom<'acquire' | 'iterator'>('acquire', 'iterator'),
      want: raceWantArb,
      signal: fc.constantFrom<Requester['signal']>('none', 'live', 'live', 'aborted'),
      rounds: fc.integer({ min: 1, max: 3 }),
    }),
    { minLength: 1, maxLength: 5 },
  ),
  bursts: fc.array(fc.array(actionArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 8 }),
});

/** A request the pool may still be holding in its queue. */
interface Pending {
  readonly want: Want;
  settled: boolean;
}

/**
 * Runs a scenario under `s`: every lease a caller receives and every hold is
 * a scheduled promise, and each burst is a scheduled task, so the scheduler
 * picks the interleaving. After every scheduled step (once microtasks have
 * run) it checks: each group's active equals the leases the callers hold
 * (none lost, none counted twice, S6/S7); no pending request beside a group
 * that could serve it (S5); ids unique and increasing; nothing pending and
 * no active count growing after stop (S8); every rejection the caller's own
 * abort reason or `PoolStoppedError`. At the end it stops the pool, gives
 * every lease back and checks that the pool drains to nothing.
 */
export async function runRaceScenario(s: fc.Scheduler, scenario: RaceScenario): Promise<void> {
  const pool: Pool<string> = createPool<string>();
  const held: Lease<string>[] = [];
  const released = new Set<Lease<string>>();
  const pending: Pending[] = [];
  const idsInOrder: number[] = [];
  const controllers: (AbortController | undefined)[] = [];
  const iterators: (AsyncIterableIterator<Lease<string>, undefined> | undefined)[] = [];
  const problems: string[] = [];
  let activeAfterStop: number | undefined;

  // Leases from `acquire` settle in grant order; `tryAcquire` returns at once
  // and the iterator adds promise hops, so theirs are only checked for uniqueness.
  const receive = (lease: Lease<string>, direct: boolean) => {
    held.push(lease);
    if (direct) idsInOrder.push(lease.id);
  };
  /** Whether each released lease's signal had aborted when it was released. */
  const abortedAtRelease = new Map<Lease<string>, boolean>();
  const release = (lease: Lease<string>) => {
    if (released.has(lease)) return;
    released.add(lease);
    // Odd ids are read only after release, so both ways to a signal are raced.
    if (lease.id % 2 === 0) abortedAtRelease.set(lease, lease.signal.aborted);
    lease.release();
    if (lease.id % 2 === 1) abortedAtRelease.set(lease, lease.signal.aborted);
  };
  const track = <T>(want: Want, raw: Promise<T>): Promise<T> => {
    const entry: Pending = { want, settled: false };
    pending.push(entry);
    const settle = () => {
      entry.settled = true;
    };
    raw.then(settle, settle);
    return raw;
  };
  const expectRejection = (who: number, error: unknown) => {
    const reason = controllers[who]?.signal.reason;
    if (!(error instanceof PoolStoppedError) && (reason === undefined || error !== reason)) {
      problems.push(`requester ${who} rejected with ${String(error)}`);
    }
  };

  const check = () => {
    if (problems.length > 0) throw new InvariantError('S7/S8 rejections', problems[0] ?? '');
    let total = 0;
    for (const k of RACE_KEYS) {
      const { target, active } = pool.get(k);
      total += active;
      const holding = held.filter((l) => l.key === k && !released.has(l));
      if (holding.length !== active) {
        throw new InvariantError('S6/S7 conservation', `${k} counts ${active} active, callers hold ${holding.length}`);
      }
      // Odd ids' signals are not read while out (see release): the actor's ledger says.
      const ledger = pool.actor.getSnapshot().context.leases;
      const unrevoked = holding.filter((l) => (l.id % 2 === 1 ? !ledger.isRevoked(l.id) : !l.signal.aborted)).length;
      if (!pool.stopped && unrevoked > target) {
        throw new InvariantError('S11 revocation', `${k} has ${unrevoked} unrevoked leases out, target ${target}`);
      }
      for (const p of pending) {
        if (p.settled || !(p.want.any || sameKey(p.want.key, k))) continue;
        if (active < target)
          throw new InvariantError('S5 no lost wake-ups', `a request waits while ${k} has ${active} of ${target}`);
      }
    }
    for (const [lease, aborted] of abortedAtRelease) {
      if (lease.signal.aborted !== aborted)
        throw new InvariantError('S11 after release', `lease ${lease.id}'s signal aborted after its release`);
    }
    if (pool.stopped) {
      if (pending.some((p) => !p.settled)) throw new InvariantError('S8 stop', 'a request is still pending after stop');
      const live = held.find((l) => !released.has(l) && !l.signal.aborted);
      if (live) throw new InvariantError('S11 stop', `lease ${live.id} is out after stop with its signal not aborted`);
      if (activeAfterStop !== undefined && total > activeAfterStop) {
        throw new InvariantError('S8 stop', `active grew from ${activeAfterStop} to ${total} after stop`);
      }
      activeAfterStop = total;
    }
    if (new Set(held.map((l) => l.id)).size !== held.length)
      throw new InvariantError('S6 ids', 'a lease id was delivered twice');
    for (let i = 1; i < idsInOrder.length; i++) {
      if ((idsInOrder[i] ?? 0) <= (idsInOrder[i - 1] ?? 0)) {
        throw new InvariantError('S6 ids', `lease ${idsInOrder[i]} delivered after lease ${idsInOrder[i - 1]}`);
      }
    }
  };

  const runAcquirer = async (who: number, r: Requester) => {
    const options = { ...(r.want.any ? {} : { key: r.want.key as string }), signal: controllers[who]?.signal };
    for (let round = 0; round < r.rounds; round++) {
      const raw = track(r.want, pool.acquire(options));
      raw.then(
        (lease) => receive(lease, true),
        () => {},
      );
      let lease: Lease<string>;
      try {
        lease = await raw;
      } catch (error) {
        expectRejection(who, error);
        return;
      }
      expectNoLease(who, `got lease ${lease.id}`);
      // Only promises already settled are handed to the scheduler: a scheduled
      // promise that never settles (a key nobody sets) would stall it.
      await s.schedule(Promise.resolve(), `requester ${who} holds lease ${lease.id}`);
      release(lease);
    }
  };

  const runIterator = async (who: number, r: Requester) => {
    const it = pool.leases({ ...(r.want.any ? {} : { key: r.want.key as string }), signal: controllers[who]?.signal });
    iterators[who] = it;
    for (let round = 0; round < r.rounds; round++) {
      const raw = track(r.want, it.next());
      raw.then(
        (step) => (step.done ? undefined : receive(step.value, false)),
        () => {},
      );
      let step: IteratorResult<Lease<string>, undefined>;
      try {
        step = await raw;
      } catch (error) {
        expectRejection(who, error);
        return;
      }
      expectNoLease(who, step.done ? 'ended without an error' : `got lease ${step.value.id}`);
      if (step.done) return;
      await s.schedule(Promise.resolve(), `iterator ${who} holds lease ${step.value.id}`);
      release(step.value);
    }
    await it.return?.();
  };

  const act = (action: RaceAction) => {
    switch (action.type) {
      case 'release': {
        const out = held.filter((l) => !released.has(l));
        const lease = out[action.position % Math.max(1, out.length)];
        if (lease) release(lease);
        return;
      }
      case 'abort':
        controllers[action.requester % controllers.length]?.abort(new Error(`abort of requester ${action.requester}`));
        return;
      case 'return':
        void iterators[action.requester % iterators.length]?.return?.();
        return;
      case 'stop':
        pool.stop();
        return;
      case 'set':
        try {
          pool.set(action.key, action.target);
        } catch (error) {
          if (!(error instanceof PoolStoppedError && pool.stopped)) problems.push(`set threw ${String(error)}`);
        }
        return;
      case 'try': {
        const lease = pool.tryAcquire(action.want.any ? undefined : { key: action.want.key as string });
        if (lease && pool.stopped) problems.push(`tryAcquire granted lease ${lease.id} after stop`);
        if (lease) receive(lease, false);
        return;
      }
    }
  };

  for (const [key, target] of scenario.targets) pool.set(key, target);
  for (const [who, r] of scenario.requesters.entries()) {
    const controller = r.signal === 'none' ? undefined : new AbortController();
    if (r.signal === 'aborted') controller?.abort(new Error(`requester ${who} aborted before it asked`));
    controllers.push(controller);
    iterators.push(undefined);
  }
  // A request whose signal is aborted before it asks must reject with that reason (S7).
  const expectNoLease = (who: number, what: string) => {
    if (scenario.requesters[who]?.signal === 'aborted')
      problems.push(`requester ${who}, aborted before it asked, ${what}`);
  };
  const callers = scenario.requesters.map((r, who) =>
    r.kind === 'acquire' ? runAcquirer(who, r) : runIterator(who, r),
  );
  scenario.bursts.forEach((burst, i) => {
    s.schedule(Promise.resolve(), `burst ${i}`).then(() => {
      for (const action of burst) act(action);
    });
  });

  const stepAll = async () => {
    await flushMicrotasks();
    check();
    while (s.count() > 0) {
      await s.waitOne();
      await flushMicrotasks();
      check();
    }
  };
  await stepAll();
  // Whatever still waits (a key nobody set) ends with the pool.
  pool.stop();
  await stepAll();
  await Promise.all(callers);
  await flushMicrotasks();
  check();
  for (const lease of held) release(lease);
  let drained = false;
  void pool.drained().then(() => {
    drained = true;
  });
  await flushMicrotasks();
  for (const [who, c] of controllers.entries()) {
    if (c && getEventListeners(c.signal, 'abort').length > 0) {
      throw new InvariantError('listeners', `requester ${who} is done but left a listener on its signal`);
    }
  }
  const left = RACE_KEYS.map((k) => pool.get(k).active).reduce((a, b) => a + b, 0);
  // Stop changes no target: only the keys set to 0 go once their leases are back.
  const withTarget = RACE_KEYS.filter((k) => pool.get(k).target > 0);
  if (left !== 0 || !drained || [...pool.keys()].sort().join() !== withTarget.sort().join()) {
    throw new InvariantError(
      'S8 drain',
      `after every lease came back: ${left} active, drained ${drained}, keys [${pool.keys().join(', ')}]`,
    );
  }
}
