import type { CommandCounts } from './redis-info.js';

/** What the benchmark itself sends to read its figures: left out of the work measured. */
const ownReads = new Set(['info', 'cluster|info']);

/**
 * The commands of `delta` that did the work measured: every call `INFO
 * commandstats` counted (commands run inside scripts included), less the
 * benchmark's own `INFO` and `CLUSTER INFO`.
 */
export function workCommands(delta: CommandCounts): number {
  let calls = 0;
  for (const [name, count] of delta.perCommand) if (!ownReads.has(name)) calls += count;
  return calls;
}
