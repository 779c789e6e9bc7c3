/**
 * Redis' error codes for refusals that pass by themselves (DISTRIBUTED.md
 * D6): out of memory, a replica or restart still loading, a busy script,
 * a slot in migration, a primary turned replica by a failover, a cluster
 * or primary briefly down, too few replicas to write.
 */
const passingCodes: ReadonlySet<string> = new Set([
  'OOM',
  'LOADING',
  'BUSY',
  'TRYAGAIN',
  'MOVED',
  'ASK',
  'READONLY',
  'CLUSTERDOWN',
  'MASTERDOWN',
  'NOREPLICAS',
]);

/** Whether Redis' refusal `error` (its message starts with Redis' error code) is one that passes by itself. */
export function isPassingRefusal(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = /^[A-Z]+/.exec(error.message)?.[0];
  return code !== undefined && passingCodes.has(code);
}
