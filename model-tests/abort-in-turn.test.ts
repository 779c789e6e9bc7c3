import fc from 'fast-check';
import { describe, test } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createPool, type Lease } from '../src/index.js';
import { InvariantError } from './invariants.js';
import { checkProperty } from './runs.js';
import { flushMicrotasks } from './system.js';

type Op =
  | { readonly type: 'set'; readonly target: number }
  | { readonly type: 'acquire'; readonly anyKey: boolean }
  | { readonly type: 'release'; readonly position: number };

const scenarioArb = fc.record({
  ops: fc.array(
    fc.oneof(
      fc.integer({ min: 0, max: 2 }).map((target): Op => ({ type: 'set', target })),
      fc.boolean().map((anyKey): Op => ({ type: 'acquire', anyKey })),
      fc.nat(5).map((position): Op => ({ type: 'release', position })),
    ),
    { minLength: 1, maxLength: 12 },
  ),
  // Which inspection event of the pool's own processing fires the abort, and whose.
  abortAt: fc.nat(80),
  victim: fc.nat(5),
});

/**
 * An abort fired by an inspect observer at any event of the pool's
 * processing, the grant's included. Observers run once that processing is
 * over, so the abort lands after the grant is decided: the lease is either
 * delivered (and counted) or the request withdrawn, never lost.
 */
describe('an abort fired by an inspect observer during a grant', () => {
  test('an abort fired while a grant is decided never loses a lease', async () => {
    await checkProperty(
      'an abort fired while a grant is decided never loses a lease',
      fc.asyncProperty(scenarioArb, async ({ ops, abortAt, victim }) => {
        const controllers: AbortController[] = [];
        let seen = 0;
        const inspect = (e: InspectionEvent) => {
          if (e.type !== '@xstate.event' || e.event.type.startsWith('xstate.')) return;
          if (seen++ === abortAt)
            controllers[victim % Math.max(1, controllers.length)]?.abort(new Error('racing abort'));
        };
        const pool = createPool<string>({ inspect });
        const held: Lease<string>[] = [];
        try {
          for (const op of ops) {
            if (op.type === 'set') pool.set('a', op.target);
            else if (op.type === 'release') held.splice(op.position % Math.max(1, held.length), 1)[0]?.release();
            else {
              const controller = new AbortController();
              controllers.push(controller);
              pool.acquire({ ...(op.anyKey ? {} : { key: 'a' }), signal: controller.signal }).then(
                (lease) => held.push(lease),
                () => {},
              );
            }
            await flushMicrotasks();
            const { active } = pool.get('a');
            if (active !== held.length) {
              throw new InvariantError('S7 abort vs grant', `'a' counts ${active} active, callers hold ${held.length}`);
            }
          }
        } finally {
          pool.stop();
        }
      }),
      600,
    );
  });
});
