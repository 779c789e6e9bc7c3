import { type InspectionEvent, type Observer, toObserver } from 'xstate';
import { pinSnapshot } from './inspect-snapshot.js';
import type { InspectObserver } from './options.js';

/** Hands `error` to the platform's error reporting without throwing. */
function report(error: unknown): void {
  const reportError = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  if (reportError) reportError(error);
  else console.error('xstate-workpool: the inspect observer threw', error);
}

/**
 * Wraps an inspection observer so that its errors are reported rather than
 * thrown into the actor system, where they would put the pool actor into an
 * error state and break every caller. Snapshots reach it with the pool's
 * context as it was at that event (see {@link pinSnapshot}).
 */
export function guardInspect(inspect: InspectObserver): Observer<InspectionEvent> {
  const observer = toObserver(inspect);
  return {
    next: (event) => {
      try {
        observer.next?.(pinSnapshot(event));
      } catch (error) {
        report(error);
      }
    },
  };
}
