import type { MeterSource } from '../metrics/meter-source.js';
import type { LeaseEventFanout } from './lease-event-fanout.js';
import type { MemberActorRef } from './member-machine.js';

/**
 * A Redis member as a {@link MeterSource}: the keys it reports are those it
 * uses (holds a lease of or waits for) and those a reply showed it since its
 * last heartbeat, each with the fleet-wide counts its group actor shows (as
 * of the member's last reply from Redis about that key); a key it stopped
 * touching is dropped at its next heartbeat, so no gauge keeps a count
 * older than one heartbeat interval for a key nobody on this member uses.
 * Waiters are this member's own pending acquires (`keyOfEach` yields each
 * one's key, `undefined` for any key); lease events are the member's own,
 * from `events`. Leases can be lost.
 */
export function memberMeterSource(
  actor: MemberActorRef,
  keyOfEach: () => Iterable<string | undefined>,
  events: LeaseEventFanout,
): MeterSource {
  return {
    losesLeases: true,
    readGroups(visit) {
      const { groups, requests } = actor.getSnapshot().context;
      const inUse = requests.keysInUse();
      // A copy: user code called per key may call back into the pool and change the table.
      for (const [key, ref] of [...groups.byKey]) {
        if (!groups.fresh.has(key) && !inUse.has(key)) continue;
        const { target, active } = ref.getSnapshot().context;
        visit(key, target, active);
      }
    },
    readAnyKeyWaiters() {
      let count = 0;
      for (const key of keyOfEach()) if (key === undefined) count++;
      return count;
    },
    readKeyedWaiters(visit) {
      const counts = new Map<string, number>();
      for (const key of keyOfEach()) if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
      for (const [key, count] of counts) visit(key, count);
    },
    watch: (listener) => events.add(listener),
  };
}
