/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** How long to keep checking, in ms (default 5 000). */
  readonly timeout?: number;
  /** Pause between checks, in ms (default 10). */
  readonly interval?: number;
  /** What is awaited, for the error message. */
  readonly what?: string;
}

/**
 * Resolves with the first truthy result of `condition` (sync or async),
 * checked every `interval` ms; rejects naming `what` when `timeout` passes
 * first. For waiting on real time (Redis TTLs, heartbeats, other processes),
 * never on code the test controls.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const timeout = options.timeout ?? 5_000;
  const interval = options.interval ?? 10;
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`waitFor: ${options.what ?? 'condition'} not met within ${timeout} ms (last: ${String(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
