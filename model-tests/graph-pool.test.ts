import { describe, expect, test } from 'vitest';
import { type AnyTransitionDefinition, createActor, fromTransition, type InspectionEvent } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import { listenToPool, poolMachine } from '../src/machines/index.js';

/**
 * The pool machine keeps mutable structures in its context, so the graph
 * utilities cannot step it purely. Instead the graph walks a logic whose
 * state is the list of steps taken; each state is named by replaying its
 * steps on a fresh real pool actor and summarising what it holds. Steps name
 * leases and requests by age ("the oldest lease out"), so they apply on
 * any path.
 */
type Step =
  | { readonly type: 'set'; readonly key: 'a' | 'b'; readonly target: number }
  | { readonly type: 'request'; readonly want: 'any' | 'a' | 'c' }
  | { readonly type: 'try'; readonly key?: 'c' }
  | { readonly type: 'release-oldest' }
  | { readonly type: 'cancel-oldest' }
  | { readonly type: 'stop' };

const STEPS: Step[] = [
  { type: 'set', key: 'a', target: 0 },
  { type: 'set', key: 'a', target: 1 },
  { type: 'set', key: 'b', target: 1 },
  { type: 'set', key: 'b', target: 0 },
  { type: 'request', want: 'any' },
  { type: 'request', want: 'a' },
  { type: 'try' },
  { type: 'request', want: 'c' },
  { type: 'try', key: 'c' },
  { type: 'release-oldest' },
  { type: 'cancel-oldest' },
  { type: 'stop' },
];

const showStep = (s: Step) =>
  s.type === 'set'
    ? `set(${s.key}, ${s.target})`
    : s.type === 'request'
      ? `request(${s.want})`
      : s.type === 'try' && s.key
        ? `try(${s.key})`
        : s.type;

/** What a replay leaves: the pool's state, its groups' counts, who waits, which leases are out, the transitions taken. */
interface Replayed {
  readonly value: string;
  readonly counts: Record<string, { target: number; active: number }>;
  readonly waiting: ReadonlyArray<'any' | 'a' | 'c'>;
  readonly leasesOut: number;
  readonly taken: Set<string>;
}

/**
 * A transition's name: `source:event->target #candidate`, the candidate's
 * place among those for the event (an eventless one's event is `always`).
 */
function nameOf(t: AnyTransitionDefinition): string {
  const candidates = t.eventType === '' ? t.source.always : t.source.transitions.get(t.eventType);
  const index = candidates?.indexOf(t) ?? -1;
  return `${t.source.key}:${t.eventType || 'always'}->${t.target?.[0]?.key ?? t.source.key} #${index}`;
}

/**
 * Replays `steps` on a fresh pool actor with default target 1: key `c` is
 * never set, so its group exists only on demand (as does `a`'s until set).
 * Grants and the stop are heard through the pool's one way out, as the
 * facade hears them.
 */
function replay(steps: readonly Step[]): Replayed {
  const taken = new Set<string>();
  const actor = createActor(poolMachine, {
    input: { defaultTarget: 1 },
    inspect: (e: InspectionEvent) => {
      if (e.type !== '@xstate.microstep' || e.actorRef.sessionId !== e.rootId) return;
      for (const t of e._transitions as AnyTransitionDefinition[]) taken.add(nameOf(t));
    },
  });
  const waiting: Array<{ requestId: number; want: 'any' | 'a' | 'c' }> = [];
  const out: number[] = [];
  const granted = (requestId: number, leaseId: number) => {
    const i = waiting.findIndex((w) => w.requestId === requestId);
    if (i >= 0) waiting.splice(i, 1);
    out.push(leaseId);
  };
  listenToPool(actor, {
    granted,
    stopped: () => {
      waiting.length = 0;
    },
  });
  actor.start();
  let nextRequest = 1;
  for (const step of steps) {
    // A stopped pool is a finished actor: the facade sends it nothing more.
    if (actor.getSnapshot().status !== 'active') break;
    // After stop the facade rejects or refuses every call but a release.
    if (step.type !== 'release-oldest' && actor.getSnapshot().value !== 'running') continue;
    const requestId = nextRequest++;
    switch (step.type) {
      case 'set':
        actor.send({ type: 'target.set', key: step.key, target: step.target });
        break;
      case 'request':
        waiting.push({ requestId, want: step.want });
        actor.send({
          type: 'lease.request',
          requestId,
          ...(step.want === 'any' ? { anyKey: true } : { anyKey: false, key: step.want }),
        });
        break;
      case 'try':
        actor.send({
          type: 'lease.try',
          requestId,
          ...(step.key ? { anyKey: false, key: step.key } : { anyKey: true }),
        });
        break;
      case 'release-oldest': {
        const leaseId = out.shift();
        if (leaseId !== undefined) actor.send({ type: 'lease.release', leaseId });
        break;
      }
      case 'cancel-oldest': {
        const w = waiting.shift();
        if (w) actor.send({ type: 'request.cancel', requestId: w.requestId });
        break;
      }
      case 'stop':
        actor.send({ type: 'pool.stop' });
        break;
    }
  }
  const snap = actor.getSnapshot();
  const counts: Replayed['counts'] = {};
  for (const key of ['a', 'b', 'c']) {
    const { target, active } = snap.context.groups.get(key)?.counts() ?? { target: 0, active: 0 };
    counts[key] = { target, active };
  }
  actor.stop();
  return { value: String(snap.value), counts, waiting: waiting.map((w) => w.want), leasesOut: out.length, taken };
}

const summary = (r: Replayed) => JSON.stringify([r.value, r.counts, r.waiting, r.leasesOut]);

const stepsLogic = fromTransition(
  (steps: readonly Step[], event: { type: 'step'; step: Step }) => [...steps, event.step],
  [],
);

const traversal = {
  events: STEPS.map((step) => ({ type: 'step' as const, step })),
  serializeState: (snap: { context: readonly Step[] }) => summary(replay(snap.context)),
  // A stopped pool takes nothing more; more leases out than the targets allow
  // is already a failure (checked below), and would make the graph endless.
  stopWhen: (snap: { context: readonly Step[] }) => {
    const r = replay(snap.context);
    return r.value === 'stopped' || r.leasesOut > 2;
  },
  // Small bounds keep the graph finite and the run short: at most two waiters.
  filterEvents: (snap: { context: readonly Step[] }, event: { step: Step }) =>
    event.step.type !== 'request' || replay(snap.context).waiting.length < 2,
};

/** Whether `step` is a request for the key only ever created on demand. */
const isOnDemandStep = (step: Step) =>
  (step.type === 'request' && step.want === 'c') || (step.type === 'try' && step.key);

/** Checks SPEC's invariants on one replayed state. */
function checkState(r: Replayed, path: string): void {
  for (const [key, { target, active }] of Object.entries(r.counts)) {
    for (const want of r.waiting) {
      if (want === 'any' || want === key)
        expect(active, `${path}: a waiter beside ${key} that can grant`).toBeGreaterThanOrEqual(target);
    }
    expect(active, `${path}: ${key} over target`).toBeLessThanOrEqual(Math.max(target, 1));
  }
  const c = r.counts.c ?? { target: 0, active: 0 };
  if (c.target > 0) expect(c.active, `${path}: c's on-demand group kept idle`).toBeGreaterThan(0);
  const active = Object.values(r.counts).reduce((n, c) => n + c.active, 0);
  expect(active, `${path}: leases out vs active`).toBe(r.leasesOut);
  if (r.value !== 'running') expect(r.waiting, `${path}: waiters after stop`).toEqual([]);
  if (r.value === 'stopped') expect(r.leasesOut, `${path}: stopped with leases out`).toBe(0);
  if (r.value === 'stopping') expect(r.leasesOut, `${path}: stopping with no lease out`).toBeGreaterThan(0);
}

/** Every transition the pool machine declares, its eventless one included. */
function declaredEdges(): string[] {
  const edges: string[] = (poolMachine.root.always ?? []).map(nameOf);
  for (const node of Object.values(poolMachine.root.states)) {
    for (const transitions of node.transitions.values()) edges.push(...transitions.map(nameOf));
  }
  return edges.sort();
}

describe('the pool machine, path by path (xstate/graph over replays)', () => {
  test('every shortest path keeps the invariants and together they take every transition', () => {
    const paths = getShortestPaths(stepsLogic, traversal);
    const taken = new Set<string>();
    const reached = new Set<string>();
    for (const path of paths) {
      const steps = path.state.context;
      const r = replay(steps);
      checkState(r, steps.map(showStep).join(' → '));
      reached.add(r.value);
      // One step past the end as well: a transition back to the same state
      // (a grant in `running`, a release in `stopping`) ends no shortest path.
      for (const t of r.taken) taken.add(t);
      for (const extra of STEPS) for (const t of replay([...steps, extra]).taken) taken.add(t);
    }
    expect(paths.length).toBeGreaterThan(50);
    expect([...reached].sort()).toEqual(['running', 'stopped', 'stopping']);
    expect([...taken].sort()).toEqual(declaredEdges());
  });

  test('every simple path of up to three steps keeps the invariants at each step', () => {
    // States named with their depth too, so the graph is layered and its
    // simple paths are the step sequences up to the depth bound.
    const paths = getSimplePaths(stepsLogic, {
      ...traversal,
      serializeState: (snap) => `${snap.context.length} ${traversal.serializeState(snap)}`,
      // The on-demand key's steps are left to the shortest paths, so that this layered graph stays small.
      filterEvents: (snap, event) =>
        snap.context.length < 3 && !isOnDemandStep(event.step) && traversal.filterEvents(snap, event),
    });
    expect(paths.length).toBeGreaterThan(100);
    for (const path of paths) {
      const steps = path.state.context;
      for (let n = 1; n <= steps.length; n++) {
        checkState(replay(steps.slice(0, n)), steps.slice(0, n).map(showStep).join(' → '));
      }
    }
  });
});
