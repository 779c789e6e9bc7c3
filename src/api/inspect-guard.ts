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
 * Stands between the actor system and the caller's inspect observer. The
 * system hands it each event while the pool is processing; it keeps them
 * (with the pool's context pinned as it was at that event, see
 * {@link pinSnapshot}) until {@link InspectRelay.deliver}, which the pool
 * calls once its processing is over. So the observer never runs inside the
 * pool's processing, and any call it makes into the pool acts at once, as
 * it would anywhere else: inside, XState would queue it and act later.
 * Errors the observer throws are reported, never thrown into the actors.
 */
export class InspectRelay {
  readonly #observer: Observer<InspectionEvent>;
  #kept: InspectionEvent[] = [];
  #nextToDeliver = 0;
  #delivering = false;

  constructor(inspect: InspectObserver) {
    this.#observer = toObserver(inspect);
  }

  /** The observer to give the actor system: it keeps each event for {@link deliver}. */
  readonly observer: Observer<InspectionEvent> = {
    next: (event) => {
      try {
        this.#kept.push(pinSnapshot(event));
      } catch (error) {
        report(error);
      }
    },
  };

  /**
   * Hands every kept event to the caller's observer, in order, those its own
   * calls add included. A call made while delivering returns at once: the
   * loop already running delivers its events next.
   */
  deliver(): void {
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      while (this.#nextToDeliver < this.#kept.length) {
        const event = this.#kept[this.#nextToDeliver++] as InspectionEvent;
        try {
          this.#observer.next?.(event);
        } catch (error) {
          report(error);
        }
      }
    } finally {
      this.#kept = [];
      this.#nextToDeliver = 0;
      this.#delivering = false;
    }
  }
}

/**
 * An observer for an actor that also acts on its own (timers, replies from
 * a server), where no call of the caller's ends its processing: it keeps
 * events as {@link InspectRelay} does and delivers them on the next
 * microtask, so the caller's observer still never runs inside the actor's
 * processing.
 */
export function deliveredOnMicrotask(inspect: InspectObserver): Observer<InspectionEvent> {
  const relay = new InspectRelay(inspect);
  let scheduled = false;
  const deliver = () => {
    scheduled = false;
    relay.deliver();
  };
  return {
    next: (event) => {
      relay.observer.next?.(event);
      if (scheduled) return;
      scheduled = true;
      queueMicrotask(deliver);
    },
  };
}
