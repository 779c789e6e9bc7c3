import type { Pool } from '../api/pool.js';
import { listenToPool } from '../machines/pool/pool-outlet.js';
import type { LeaseEvents, MeterSource } from './meter-source.js';

/**
 * The in-process pool as a {@link MeterSource}, read from its actor and
 * nothing else: counts from the pool actor's context and its group actors'
 * snapshots, at each collection; lease events from the pool actor's one way
 * out (`listenToPool`), as its actions decide them. An uninstrumented pool
 * runs no code of this, and an inspector attached to the pool changes
 * nothing here.
 */
export function actorPoolSource(pool: Pool<unknown>): MeterSource {
  const actor = pool.actor;
  const context = () => actor.getSnapshot().context;
  return {
    losesLeases: false,
    readGroups(visit) {
      // A copy: user code called per key may call back into the pool and change the table.
      for (const entry of [...context().groups.values()]) {
        const { target, active } = entry.counts();
        visit(entry.key, target, active);
      }
    },
    readAnyKeyWaiters: () => context().waiters.anyKeySize,
    readKeyedWaiters(visit) {
      const counts: Array<[unknown, number]> = [];
      context().waiters.forEachKeyed((key, count) => counts.push([key, count]));
      for (const [key, count] of counts) visit(key, count);
    },
    watch(listener: LeaseEvents) {
      return listenToPool(actor, {
        requested: (requestId, key) => listener.requested(requestId, key),
        granted: (requestId, leaseId, key) => listener.granted(requestId, leaseId, key),
        withdrawn: (requestId, reason) => listener.withdrawn(requestId, reason),
        released: (leaseId) => listener.released(leaseId),
        revoked: (key, leaseIds) => {
          for (const leaseId of leaseIds) listener.revoked(leaseId, key);
        },
        stopped: (dropped) => listener.stopped(dropped),
      });
    },
  };
}
