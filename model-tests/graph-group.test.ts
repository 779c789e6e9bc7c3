import { describe, expect, test } from 'vitest';
import { type AnyTransitionDefinition, createActor, type InspectionEvent } from 'xstate';
import { createTestModel, getSimplePaths } from 'xstate/graph';
import { type GroupEvent, groupMachine } from '../src/machines/index.js';

interface Counts {
  readonly target: number;
  readonly active: number;
  /** The pool stopped and closed the group (S8). */
  readonly closed?: boolean;
}

/** Where active stands against target, as SPEC S9 words it; after stop, whether leases are still out. */
function standing({ target, active, closed }: Counts): string {
  if (closed) return active === 0 ? 'closed' : 'closing';
  if (active < target) return 'granting';
  if (active === target) return active === 0 ? 'retired' : 'saturated';
  return 'draining';
}

/**
 * What an event does to a group's counts by SPEC: grants only below target,
 * releases only what is out; a retired group is gone and takes nothing; a
 * closed one keeps its target and takes only releases (S8).
 */
function countsAfter(c: Counts, event: GroupEvent): Counts {
  if (standing(c) === 'retired') return c;
  if (c.closed) return event.type === 'lease.release' && c.active > 0 ? { ...c, active: c.active - 1 } : c;
  if (event.type === 'group.close') return { ...c, closed: true };
  if (event.type === 'target.set') return { target: event.target, active: c.active };
  if (event.type === 'lease.grant') return c.active < c.target ? { ...c, active: c.active + 1 } : c;
  // A Redis member's group takes the fleet-wide counts a reply showed as they are (DISTRIBUTED D7).
  if (event.type === 'counts.set') return { target: event.target, active: event.active };
  return c.active > 0 ? { ...c, active: c.active - 1 } : c;
}

const TARGETS = [0, 1, 2] as const;
const EVENTS: GroupEvent[] = [
  ...TARGETS.map((target): GroupEvent => ({ type: 'target.set', target })),
  { type: 'lease.grant', leaseId: 1 },
  { type: 'lease.release', leaseId: 1 },
  { type: 'group.close' },
  ...[
    [1, 1],
    [0, 1],
    [2, 1],
    [0, 0],
  ].map(([target, active]): GroupEvent => ({ type: 'counts.set', target: target ?? 0, active: active ?? 0 })),
];
const INPUTS = [1, 2].map((target) => ({ key: 'k', target }));

/** `source:event->target`, the name of one transition. */
const edge = (source: string, event: string, target: string) => `${source}:${event}->${target}`;

/**
 * The transitions SPEC allows between standings, found by trying every event
 * on every pair of counts up to 3 (a retired group takes no event).
 */
function feasibleEdges(): Set<string> {
  const edges = new Set<string>();
  for (const closed of [false, true]) {
    for (let target = 0; target <= 3; target++) {
      for (let active = 0; active <= 3; active++) {
        const from = { target, active, closed };
        if (standing(from) === 'retired') continue;
        const everyCounts = [0, 1, 2, 3].flatMap((t) =>
          [0, 1, 2, 3].map((a): GroupEvent => ({ type: 'counts.set', target: t, active: a })),
        );
        const events = [...[0, 1, 2, 3].map((t): GroupEvent => ({ type: 'target.set', target: t })), ...EVENTS];
        for (const event of [...events, ...everyCounts]) {
          const to = countsAfter(from, event);
          if (to !== from) edges.add(edge(standing(from), event.type, standing(to)));
        }
      }
    }
  }
  return edges;
}

/** Every transition the machine declares, as `source:event->target`. */
function declaredEdges(): Set<string> {
  const edges = new Set<string>();
  for (const node of Object.values(groupMachine.root.states)) {
    for (const [event, transitions] of node.transitions) {
      for (const t of transitions) edges.add(edge(node.key, event, t.target?.[0]?.key ?? node.key));
    }
  }
  return edges;
}

/**
 * Replays `events` on a real group actor, checking after each one that its
 * counts moved as SPEC says and its state names where active stands, and
 * returns the transitions the actor took.
 */
function replay(input: { key: string; target: number }, events: readonly GroupEvent[]): Set<string> {
  const taken = new Set<string>();
  const actor = createActor(groupMachine, {
    input,
    inspect: (e: InspectionEvent) => {
      if (e.type !== '@xstate.microstep') return;
      for (const t of e._transitions as AnyTransitionDefinition[]) {
        taken.add(edge(t.source.key, t.eventType, t.target?.[0]?.key ?? t.source.key));
      }
    },
  }).start();
  let counts: Counts = { target: input.target, active: 0 };
  for (const event of events) {
    actor.send(event);
    counts = countsAfter(counts, event);
    const snap = actor.getSnapshot();
    const path = events
      .map((e) => e.type + ('active' in e ? `(${e.target}, ${e.active})` : 'target' in e ? `(${e.target})` : ''))
      .join(' → ');
    expect({ target: snap.context.target, active: snap.context.active }, path).toEqual({
      target: counts.target,
      active: counts.active,
    });
    expect(snap.value, path).toBe(standing(counts));
  }
  actor.stop();
  return taken;
}

const eventsOf = (steps: ReadonlyArray<{ event: { type: string } }>) =>
  steps.map((s) => s.event).filter((e): e is GroupEvent => !e.type.startsWith('xstate.'));

describe('the group machine, path by path (xstate/graph)', () => {
  test('every shortest path replays on a real group actor with counts and state agreeing', async () => {
    const reached = new Set<string>();
    for (const input of INPUTS) {
      const model = createTestModel(groupMachine, { input, events: EVENTS });
      for (const path of model.getShortestPaths()) {
        const actor = createActor(groupMachine, { input }).start();
        // The graph hands each step's event typed by its type only; it is one of EVENTS.
        const execute = ({ event }: { event: { type: string } }) => {
          actor.send(event as GroupEvent);
        };
        const expectStanding = (name: string) => () => {
          const { context, value } = actor.getSnapshot();
          expect(value).toBe(name);
          const closed = name === 'closing' || name === 'closed';
          expect(standing({ ...context, closed })).toBe(name);
          reached.add(name);
        };
        await path.test({
          events: {
            'target.set': execute,
            'lease.grant': execute,
            'lease.release': execute,
            'group.close': execute,
            'counts.set': execute,
          },
          states: {
            granting: expectStanding('granting'),
            saturated: expectStanding('saturated'),
            draining: expectStanding('draining'),
            retired: expectStanding('retired'),
            closing: expectStanding('closing'),
            closed: expectStanding('closed'),
          },
        });
        actor.stop();
        replay(input, eventsOf(path.steps));
      }
    }
    expect([...reached].sort()).toEqual(['closed', 'closing', 'draining', 'granting', 'retired', 'saturated']);
  });

  test('every simple path keeps the counts and the state in step, and takes only transitions SPEC allows', () => {
    const taken = new Set<string>();
    let paths = 0;
    for (const input of INPUTS) {
      for (const path of getSimplePaths(groupMachine, { input, events: EVENTS })) {
        // One event past the end as well: a simple path never takes a
        // transition back to the same state (a target set to what it was).
        for (const extra of EVENTS) {
          for (const t of replay(input, [...eventsOf(path.steps), extra])) taken.add(t);
        }
        paths++;
      }
    }
    expect(paths).toBeGreaterThan(50);
    const feasible = feasibleEdges();
    // Every transition SPEC allows is taken, and nothing else is.
    expect([...taken].sort()).toEqual([...feasible].sort());
    // The machine declares each of them; the declared ones never taken are
    // those whose guard no counts can meet (a release from `granting` cannot
    // retire a group, since its target is ≥ 1, and so on).
    const declared = declaredEdges();
    expect([...feasible].filter((e) => !declared.has(e))).toEqual([]);
  });
});
