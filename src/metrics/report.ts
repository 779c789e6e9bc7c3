/** Hands `error` to the platform's error reporting without throwing. */
export function report(error: unknown): void {
  const reportError = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  if (reportError) reportError(error);
  else console.error('xstate-workpool/metrics: user code threw', error);
}
