import { percent } from './format.js';

/**
 * The table printed at the end: per key its target, the leases it was
 * granted, its share, the share its target asks for and its leases revoked; then the measured
 * ratio of leases beside the ratio of targets. Ratios are scaled so that
 * the key with the smallest target reads as its target (2.00:1.00 against
 * 2:1). A note says when there were fewer workers than the targets add up
 * to, because shares then follow the workers, not the targets.
 */
export function formatFinalTable(
  targets: ReadonlyArray<readonly [string, number]>,
  granted: ReadonlyMap<string, number>,
  workers: number,
  revoked: ReadonlyMap<string, number> = new Map(),
): string {
  const total = targets.reduce((sum, [key]) => sum + (granted.get(key) ?? 0), 0);
  const targetSum = targets.reduce((sum, [, target]) => sum + target, 0);
  const keyWidth = Math.max(3, ...targets.map(([key]) => key.length));
  const lines = [`${'key'.padEnd(keyWidth)}  target  leases   share  wanted  revoked`];
  for (const [key, target] of targets) {
    const count = granted.get(key) ?? 0;
    lines.push(
      [
        key.padEnd(keyWidth),
        String(target).padStart(6),
        String(count).padStart(6),
        percent(total === 0 ? 0 : count / total).padStart(6),
        percent(targetSum === 0 ? 0 : target / targetSum).padStart(6),
        String(revoked.get(key) ?? 0).padStart(7),
      ].join('  '),
    );
  }
  lines.push('', ratioLine(targets, granted), `${total} leases in all`);
  if (workers < targetSum) {
    lines.push(`note: ${workers} workers < ${targetSum}, the sum of the targets: shares follow the workers`);
  }
  return lines.join('\n');
}

function ratioLine(targets: ReadonlyArray<readonly [string, number]>, granted: ReadonlyMap<string, number>): string {
  const names = targets.map(([key]) => key).join(':');
  const wanted = targets.map(([, target]) => target).join(':');
  // Scaled to the smallest target above 0: a key with target 0 gets no lease to scale by.
  const reference = targets
    .filter(([, target]) => target > 0)
    .reduce<readonly [string, number] | undefined>(
      (min, entry) => (min === undefined || entry[1] < min[1] ? entry : min),
      undefined,
    );
  if (!reference) return `measured ${names} = n/a (no target above 0), targets ${wanted}`;
  const [referenceKey, referenceTarget] = reference;
  const referenceCount = granted.get(referenceKey) ?? 0;
  if (referenceCount === 0) return `measured ${names} = n/a (${referenceKey} got no lease), targets ${wanted}`;
  const measured = targets
    .map(([key]) => (((granted.get(key) ?? 0) / referenceCount) * referenceTarget).toFixed(2))
    .join(':');
  return `measured ${names} = ${measured}, targets ${wanted}`;
}
