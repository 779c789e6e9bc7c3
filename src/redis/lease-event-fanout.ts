import type { LeaseEvents } from '../metrics/meter-source.js';

/**
 * Passes a member's lease events to the instrumentations watching it, in
 * the order they are told. With none watching, each event is an empty loop:
 * an uninstrumented member keeps nothing for them.
 */
export class LeaseEventFanout implements LeaseEvents {
  #listeners: readonly LeaseEvents[] = [];

  /** Starts telling `listener`; returns what stops it (idempotent). */
  add(listener: LeaseEvents): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  requested(requestId: number, key?: unknown): void {
    for (const l of this.#listeners) l.requested(requestId, key);
  }

  withdrawn(requestId: number, reason?: unknown): void {
    for (const l of this.#listeners) l.withdrawn(requestId, reason);
  }

  granted(requestId: number, leaseId: number, key: unknown): void {
    for (const l of this.#listeners) l.granted(requestId, leaseId, key);
  }

  released(leaseId: number): void {
    for (const l of this.#listeners) l.released(leaseId);
  }

  revoked(leaseId: number, key: unknown): void {
    for (const l of this.#listeners) l.revoked(leaseId, key);
  }

  lost(leaseId: number, key: unknown): void {
    for (const l of this.#listeners) l.lost(leaseId, key);
  }

  stopped(dropped: readonly number[]): void {
    for (const l of this.#listeners) l.stopped(dropped);
  }
}
