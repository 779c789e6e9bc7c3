import type { GroupEvent } from '../group/group-types.js';
import { type GroupCounts, spareOf, standingOf } from '../group/standing.js';
import type { GroupEntry } from './group-table.js';
import type { PoolContext } from './pool-types.js';
import type { LeaseWant } from './waiter-queue.js';

/*
 * The decisions below are the pool actor's, made inside its actions. Each
 * tells what it decides as it decides it: a group actor by a plain send (not
 * `sendTo`: XState runs deferred effects from an array it drains with
 * `Array#shift`, so one event that tells tens of thousands of grants would be
 * quadratic), the pool's listeners through `ctx.outlet`; a group actor to
 * stop goes to `ctx.retired`, which the pool machine empties with
 * `stopChild` right after.
 */

/** Tells `entry`'s group actor what changed. */
function tell(entry: GroupEntry, event: GroupEvent): void {
  entry.ref.send(event);
}

/** Leaves `entry`'s group actor to be stopped, after what it was told. */
function retire(ctx: PoolContext, entry: GroupEntry): void {
  ctx.retired.add(entry.ref);
}

/**
 * Issues one new lease of `entry`'s group to `requestId`.
 * Redis twin: `grant` in src/redis/scripts/includes/grants.lua.
 */
function grant(ctx: PoolContext, entry: GroupEntry, requestId: number): void {
  const leaseId = ctx.leases.issue(entry);
  tell(entry, { type: 'lease.grant', leaseId });
  ctx.outlet.granted(requestId, leaseId, entry.key);
}

/**
 * Lets `entry`'s group, now at `counts`, grant to the oldest waiters it can
 * serve, then puts it where it belongs in the rotation: at the back if it
 * just became able to grant or granted and still can (round-robin), out if
 * it cannot, where it was otherwise. Leaves no waiter the group could serve.
 * Redis twin: `serveGroup` in src/redis/scripts/includes/grants.lua.
 */
export function serveGroup(ctx: PoolContext, entry: GroupEntry, counts: GroupCounts): void {
  let spare = spareOf(counts);
  let granted = false;
  while (spare > 0) {
    const waiter = ctx.waiters.oldestFor(entry.key);
    if (!waiter) break;
    ctx.waiters.remove(waiter);
    grant(ctx, entry, waiter.requestId);
    granted = true;
    spare--;
  }
  if (spare === 0) ctx.ready.remove(entry);
  else if (granted || !ctx.ready.has(entry)) ctx.ready.push(entry);
}

/**
 * The group that would grant to a request wanting `want` now, if any can.
 * Redis twin: `grantableEntry` in src/redis/scripts/includes/grants.lua.
 */
export function grantableEntry(ctx: PoolContext, want: LeaseWant): GroupEntry | undefined {
  const entry = want.anyKey ? ctx.ready.first : ctx.groups.get(want.key);
  return entry && spareOf(entry.counts()) > 0 ? entry : undefined;
}

/**
 * Grants request `requestId` a lease now if a group it accepts can grant,
 * and returns whether it did. Any-key requests take the group whose turn it
 * is. Since no older waiter could be served (no call leaves one beside a
 * group that could serve it), granting at once
 * never jumps the queue.
 * Redis twin: `grantNow` in src/redis/scripts/includes/grants.lua.
 */
export function grantNow(ctx: PoolContext, requestId: number, want: LeaseWant): boolean {
  const entry = grantableEntry(ctx, want);
  if (!entry) return false;
  const spare = spareOf(entry.counts());
  grant(ctx, entry, requestId);
  if (spare === 1) ctx.ready.remove(entry);
  else ctx.ready.push(entry);
  return true;
}

/**
 * Sets the target of `key`'s group, creating it, or removing it at target 0
 * once it has no lease out. A target below the leases out revokes the
 * group's newest unrevoked leases until at most `target` are left unrevoked.
 * Redis twin: `setTarget` in src/redis/scripts/includes/grants.lua.
 */
export function setTarget(
  ctx: PoolContext,
  key: unknown,
  target: number,
  parent: Parameters<PoolContext['groups']['create']>[2],
): void {
  const existing = ctx.groups.get(key);
  if (!existing) {
    if (target === 0) return;
    serveGroup(ctx, ctx.groups.create(key, target, parent), { target, active: 0 });
    return;
  }
  const counts = { target, active: existing.counts().active };
  tell(existing, { type: 'target.set', target });
  if (existing.unrevoked.size > target) ctx.outlet.revoked(key, ctx.leases.revokeNewest(existing, target));
  if (standingOf(counts) === 'retired') forget(ctx, existing);
  else serveGroup(ctx, existing, counts);
}

/**
 * Takes lease `leaseId` back. If its group could grant again and a waiter
 * wants it, the capacity passes straight to the oldest such waiter as a new
 * lease and the group's counts do not move; otherwise the group's active
 * count drops, and the group joins the rotation or retires (as does a group
 * created on demand that is left idle).
 * Redis twin: `release` in src/redis/scripts/includes/grants.lua.
 */
export function release(ctx: PoolContext, leaseId: number): void {
  const entry = ctx.leases.settle(leaseId);
  if (!entry) return;
  ctx.outlet.released(leaseId, entry.key);
  const { target, active } = entry.counts();
  const after = { target, active: active - 1 };
  if (spareOf(after) > 0) {
    const waiter = ctx.waiters.oldestFor(entry.key);
    if (waiter) {
      ctx.waiters.remove(waiter);
      ctx.outlet.granted(waiter.requestId, ctx.leases.issue(entry), entry.key);
      return;
    }
  }
  tell(entry, { type: 'lease.release', leaseId });
  if (standingOf(after) === 'retired' || idleOnDemand(ctx, entry, after)) forget(ctx, entry);
  else if (spareOf(after) > 0 && !ctx.ready.has(entry)) ctx.ready.push(entry);
}

/**
 * How many groups one pool event closes while stopping. Each closed group
 * queues deferred effects on the pool actor (its actor's stop, and in the
 * past the pool's event to itself), and XState runs them with
 * `Array#shift()`, which turns quadratic once the array outgrows V8's
 * regular heap pages (~16k entries): 100,000 groups closed in one event
 * took about 40 s. One group per event keeps stop linear, and every stop of
 * two groups or more takes the same path as a stop of 100,000.
 */
export const CLOSE_BATCH = 1;

/**
 * Stops all granting: drops every waiter and the rotation, and closes the
 * first groups (see {@link closeGroups}). Returns the dropped request ids,
 * oldest first, and whether groups are left to close.
 */
export function closeAll(ctx: PoolContext): { dropped: number[]; more: boolean } {
  const dropped = ctx.waiters.clear();
  ctx.ready.clear();
  return { dropped, more: closeGroups(ctx) };
}

/**
 * Closes the next {@link CLOSE_BATCH} groups, in creation order, and
 * returns whether groups are left to close. A closed group keeps its target
 * as set (stop changes no target); one with no lease out has its actor stopped now, the
 * others once their last lease comes back (see {@link releaseAfterStop}).
 */
export function closeGroups(ctx: PoolContext): boolean {
  for (let closed = 0; closed < CLOSE_BATCH; closed++) {
    const entry = ctx.groups.nextToClose();
    if (!entry) return false;
    tell(entry, { type: 'group.close' });
    const counts = entry.counts();
    if (counts.active > 0) continue;
    retire(ctx, entry);
    entry.letGo(counts);
  }
  return ctx.groups.leftToClose > 0;
}

/**
 * Takes lease `leaseId` back after the pool stopped: nothing is handed on.
 * A closed group whose last lease this was has its actor stopped; one whose
 * target was 0, or that was created on demand, is forgotten, as it would
 * have been while running.
 */
export function releaseAfterStop(ctx: PoolContext, leaseId: number): void {
  const entry = ctx.leases.settle(leaseId);
  if (!entry) return;
  ctx.outlet.released(leaseId, entry.key);
  const wasClosing = entry.ref.getSnapshot().value === 'closing';
  // Read before the group is told, which takes the lease off its count.
  const { target, active } = entry.counts();
  tell(entry, { type: 'lease.release', leaseId });
  if (active !== 1 || !wasClosing) return;
  // A group created on demand goes once idle, after stop as before it.
  if (target === 0 || entry.onDemand) forget(ctx, entry);
  else {
    retire(ctx, entry);
    entry.letGo({ target, active: 0 });
  }
}

/**
 * Whether stopping ends with this event: no lease is out, and what is left
 * to close fits in one batch (with no lease out, every group left is idle
 * and retires when closed).
 */
export function stopsAtOnce(ctx: PoolContext): boolean {
  return ctx.leases.size === 0 && ctx.groups.leftToClose <= CLOSE_BATCH;
}

/** Whether `entry` is a group created on demand that, at `counts`, has no lease out and no waiter asking for its key. */
function idleOnDemand(ctx: PoolContext, entry: GroupEntry, counts: GroupCounts): boolean {
  return entry.onDemand && counts.active === 0 && ctx.waiters.countFor(entry.key) === 0;
}

/**
 * Drops a group (retired by the event just sent to it, or idle and created on demand), and stops its actor.
 * Redis twin: `forget` in src/redis/scripts/includes/grants.lua.
 */
function forget(ctx: PoolContext, entry: GroupEntry): void {
  ctx.ready.remove(entry);
  ctx.groups.delete(entry);
  retire(ctx, entry);
}
