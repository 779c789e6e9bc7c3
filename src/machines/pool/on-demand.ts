import type { AnyActorRef } from 'xstate';
import { serveGroup } from './grants.js';
import type { GroupEntry } from './group-table.js';
import type { PoolContext } from './pool-types.js';
import type { LeaseWant } from './waiter-queue.js';

/** Whether a request wanting `want` creates its group on demand: it is keyed, its key has no group, and the pool has a default target. */
export function createsGroupOnDemand(ctx: PoolContext, want: LeaseWant): boolean {
  return ctx.defaultTarget !== undefined && !want.anyKey && ctx.groups.get(want.key) === undefined;
}

/**
 * Creates `key`'s group with the default target for request `requestId`,
 * as `set(key, target)` would with the request already queued: the group
 * serves the oldest waiters it can (older any-key waiters first, then this
 * request). A request that may not wait (`keep` false, a `tryAcquire`) is
 * withdrawn again if it was not served.
 */
export function requestOnDemand(
  ctx: PoolContext,
  requestId: number,
  key: unknown,
  keep: boolean,
  parent: AnyActorRef,
): void {
  const target = ctx.defaultTarget;
  // Stryker disable next-line all: the guard createsGroupOnDemand runs first, the check just narrows the type
  if (target === undefined) return;
  ctx.waiters.add(requestId, { anyKey: false, key });
  const entry = ctx.groups.create(key, target, parent);
  entry.onDemand = true;
  serveGroup(ctx, entry, { target, active: 0 });
  if (!keep) ctx.waiters.cancel(requestId);
}

/** A group `set` gave a target: no longer on demand, it is kept like any other until `set(key, 0)`. */
export function adoptGroup(ctx: PoolContext, key: unknown): void {
  const entry: GroupEntry | undefined = ctx.groups.get(key);
  if (entry) entry.onDemand = false;
}
