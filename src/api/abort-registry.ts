import { onAbort } from './abort-listeners.js';

/** The requests registered on one signal, and what stops listening to it. */
interface SignalEntry {
  readonly requests: Set<number>;
  readonly unlisten: () => void;
}

/**
 * Pending requests by the abort signal they were given, with one abort
 * handler per signal however many requests share it. A server passes its
 * one shutdown signal to every `acquire`; a listener per request would cost
 * O(n) each to remove (Node scans a signal's listeners), O(n²) in all. Here
 * adding and removing a request cost O(1), and a signal's listener is
 * removed as soon as no request is registered on it.
 */
export class AbortRegistry {
  readonly #bySignal = new WeakMap<AbortSignal, SignalEntry>();
  readonly #withdraw: (requestId: number, reason: unknown) => void;

  /** `withdraw(requestId, reason)` is called, oldest first, for each request registered on a signal that aborts. */
  constructor(withdraw: (requestId: number, reason: unknown) => void) {
    this.#withdraw = withdraw;
  }

  /** Registers `requestId` on `signal`, which must not be aborted yet. */
  add(signal: AbortSignal, requestId: number): void {
    let entry = this.#bySignal.get(signal);
    if (!entry) {
      const requests = new Set<number>();
      const unlisten = onAbort(signal, () => {
        this.#bySignal.delete(signal);
        for (const id of requests) this.#withdraw(id, signal.reason);
        requests.clear();
      });
      entry = { requests, unlisten };
      this.#bySignal.set(signal, entry);
    }
    entry.requests.add(requestId);
  }

  /** Forgets `requestId` (granted, or settled otherwise); the last one off a signal removes its listener. */
  remove(signal: AbortSignal, requestId: number): void {
    const entry = this.#bySignal.get(signal);
    if (!entry) return;
    entry.requests.delete(requestId);
    if (entry.requests.size > 0) return;
    this.#bySignal.delete(signal);
    entry.unlisten();
  }
}
