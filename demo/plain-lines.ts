import { percent, seconds } from './format.js';
import type { View } from './live-view.js';
import type { PoolStats } from './stats.js';

/** One plain line: the time, each key's active/target, leases and share, and the waiting requests. */
export function formatPlainLine(stats: PoolStats): string {
  const keys = stats.keys.map(
    (k) =>
      `${k.key} ${k.active}/${k.target} active, ${k.granted} leases (${percent(k.share)})${k.revoked > 0 ? `, ${k.revoked} revoked` : ''}`,
  );
  return [seconds(stats.elapsedMs).padStart(6), keys.join(' · '), `${stats.waiting} waiting`].join('  ');
}

/** The line printed once the pool has stopped with leases out, which the demo then waits for. */
export function formatStoppingLine(stats: PoolStats): string {
  return `stopping, waiting for ${stats.leasesOut} leases`;
}

/**
 * Writes a plain line with what `read()` returns every `everyMs`
 * milliseconds, and a last one at `stop()`, so that even a short run
 * leaves one.
 */
export function startPlainLines(
  read: () => PoolStats,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  everyMs = 1_000,
): View {
  const timer = setInterval(() => write(formatPlainLine(read())), everyMs);
  return {
    stop() {
      clearInterval(timer);
      write(formatPlainLine(read()));
    },
  };
}
