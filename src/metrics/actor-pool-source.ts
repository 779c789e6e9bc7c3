import type { InspectionEvent } from 'xstate';
import type { Pool } from '../api/pool.js';
import type { LeaseEvents, MeterSource } from './meter-source.js';

/**
 * The in-process pool as a {@link MeterSource}, read from its actor and
 * nothing else: counts from the pool actor's context and its group actors'
 * snapshots; request arrivals, withdrawals and releases from the events the
 * actor receives (an inspection observer on its actor system); grants from
 * the relay in its context (the pool tells it rather than emitting); revocations
 * and stops from the events it emits. An uninstrumented pool runs no code of this.
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
      const inspection = actor.system.inspect((inspected: InspectionEvent) => {
        if (inspected.type !== '@xstate.event' || inspected.actorRef !== actor) return;
        const event = inspected.event;
        switch (event.type) {
          case 'lease.request':
            listener.requested(event.requestId);
            break;
          case 'request.cancel':
            listener.withdrawn(event.requestId);
            break;
          case 'lease.release':
            listener.released(event.leaseId);
            break;
        }
      });
      const unlistenGranted = context().relay.listen({
        granted: (requestId, leaseId, key) => listener.granted(requestId, leaseId, key),
      });
      const revoked = actor.on('leases.revoked', (event) => {
        for (const leaseId of event.leaseIds) listener.revoked(leaseId, event.key);
      });
      const stopped = actor.on('pool.stopped', (event) => listener.stopped(event.dropped));
      return () => {
        inspection.unsubscribe();
        unlistenGranted();
        revoked.unsubscribe();
        stopped.unsubscribe();
      };
    },
  };
}
