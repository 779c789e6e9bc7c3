/**
 * Where a group's active count stands against its target (SPEC S2, S1a):
 * - `granting`: active < target, so it may hand out a lease;
 * - `saturated`: active == target (and target > 0);
 * - `draining`: active > target, after the target was lowered or set to 0;
 * - `retired`: target 0 and active 0, so the group is removed.
 */
export type Standing = 'granting' | 'saturated' | 'draining' | 'retired';

/** A group's counts: the target it converges to and the leases it has out. */
export interface GroupCounts {
  /** How many leases the group wants active at once. */
  readonly target: number;
  /** How many leases the group has out. */
  readonly active: number;
}

/**
 * The standing of the given counts, or `undefined` for counts no group can
 * have (negative active), so that an event that would produce them matches
 * no transition and changes nothing.
 */
export function standingOf({ target, active }: GroupCounts): Standing | undefined {
  if (active < 0) return undefined;
  if (active < target) return 'granting';
  if (active === target) return active === 0 ? 'retired' : 'saturated';
  return 'draining';
}

/** How many more leases a group with these counts may grant now. */
export function spareOf({ target, active }: GroupCounts): number {
  return active < target ? target - active : 0;
}

/**
 * Every state of a group actor: its standing while its pool runs, then
 * `closing` (the pool stopped with leases of the group out) and `closed`
 * (none left out). The target stays as last set in both.
 */
export type GroupState = Standing | 'closing' | 'closed';
