import type { ChildProcess } from 'node:child_process';

/** Resolves once `child` has exited (at once if it already has); never rejects. */
export function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
