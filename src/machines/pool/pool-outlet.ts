import type { AnyActorRef } from 'xstate';

/**
 * What a pool actor tells its listeners: everything that happens to a
 * request or a lease, in the order the pool decides it. Every method is
 * optional; a listener implements those it wants.
 */
export interface PoolListener {
  /**
   * A waiting request (`lease.request`, the facade's `acquire`) arrived, for
   * `key`'s group, or for any group when `key` is `undefined`. Told before
   * it is granted or queued; a `lease.try` is not told here.
   */
  requested?(requestId: number, key: unknown): void;
  /** Request `requestId` (waiting or a try) was granted lease `leaseId` of `key`'s group. */
  granted?(requestId: number, leaseId: number, key: unknown): void;
  /**
   * Waiting request `requestId` left the queue ungranted because a
   * `request.cancel` withdrew it; `reason` is the event's (the facade gives
   * the abort reason of the request's signal). A cancel of a request not
   * waiting tells nothing.
   */
  withdrawn?(requestId: number, reason: unknown): void;
  /** Lease `leaseId` of `key`'s group came back (a release of a lease not out tells nothing). */
  released?(leaseId: number, key: unknown): void;
  /**
   * A `target.set` lowered `key`'s target below its leases out: the holders
   * of `leaseIds` (the group's newest unrevoked leases, newest first) are
   * asked to wind down. They keep counting until released.
   */
  revoked?(key: unknown, leaseIds: readonly number[]): void;
  /** The last lease out came back: none is out now. */
  drained?(): void;
  /** The pool stopped granting; the waiting requests `dropped` (oldest first) were dropped, ungranted. */
  stopped?(dropped: readonly number[]): void;
}

/** Hands `error` to the platform's error reporting without throwing. */
function report(error: unknown): void {
  const reportError = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  if (reportError) reportError(error);
  else console.error('xstate-workpool: a pool listener threw', error);
}

/**
 * The one way out of a pool actor. Its actions tell it what they decide, by
 * a plain call, and it tells every listener at once: the facade, the
 * metrics and anyone who called {@link listenToPool}. (The pool emits no
 * XState events: `emit` would cost an `enqueueActions` resolution, an emit
 * action and a deferred closure per grant.) A listener that throws is
 * reported and the others are still told; the pool goes on.
 */
export class PoolOutlet {
  #listeners: readonly PoolListener[] = [];

  /** Adds `listener`; returns what removes it. A listener added or removed while telling takes effect from the next call. */
  listen(listener: PoolListener): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Tells every listener that waiting request `requestId` arrived for `key` (`undefined`: any key). */
  requested(requestId: number, key: unknown): void {
    for (const listener of this.#listeners) {
      if (listener.requested === undefined) continue;
      try {
        listener.requested(requestId, key);
      } catch (error) {
        report(error);
      }
    }
  }

  /** Tells every listener that request `requestId` was granted lease `leaseId` of `key`'s group. */
  granted(requestId: number, leaseId: number, key: unknown): void {
    for (const listener of this.#listeners) {
      if (listener.granted === undefined) continue;
      try {
        listener.granted(requestId, leaseId, key);
      } catch (error) {
        report(error);
      }
    }
  }

  /** Tells every listener that waiting request `requestId` was withdrawn, for `reason`. */
  withdrawn(requestId: number, reason: unknown): void {
    for (const listener of this.#listeners) {
      if (listener.withdrawn === undefined) continue;
      try {
        listener.withdrawn(requestId, reason);
      } catch (error) {
        report(error);
      }
    }
  }

  /** Tells every listener that lease `leaseId` of `key`'s group came back. */
  released(leaseId: number, key: unknown): void {
    for (const listener of this.#listeners) {
      if (listener.released === undefined) continue;
      try {
        listener.released(leaseId, key);
      } catch (error) {
        report(error);
      }
    }
  }

  /** Tells every listener that leases `leaseIds` of `key`'s group, newest first, were revoked. */
  revoked(key: unknown, leaseIds: readonly number[]): void {
    for (const listener of this.#listeners) {
      if (listener.revoked === undefined) continue;
      try {
        listener.revoked(key, leaseIds);
      } catch (error) {
        report(error);
      }
    }
  }

  /** Tells every listener that no lease is out any more. */
  drained(): void {
    for (const listener of this.#listeners) {
      if (listener.drained === undefined) continue;
      try {
        listener.drained();
      } catch (error) {
        report(error);
      }
    }
  }

  /** Tells every listener that the pool stopped, dropping waiting requests `dropped`. */
  stopped(dropped: readonly number[]): void {
    for (const listener of this.#listeners) {
      if (listener.stopped === undefined) continue;
      try {
        listener.stopped(dropped);
      } catch (error) {
        report(error);
      }
    }
  }

  toJSON(): { listeners: number } {
    return { listeners: this.#listeners.length };
  }
}

/** What {@link listenToPool} needs of a pool actor: its context's outlet. */
interface OutletHolder {
  getSnapshot(): { readonly context: { readonly outlet: Partial<PoolOutlet> } };
}

/**
 * Starts telling `listener` everything that happens to the requests and
 * leases of the pool actor `actor` (a `poolMachine` actor, or a pool's
 * `pool.actor`): requests, grants, withdrawals, releases, revocations, the
 * drain and the stop (see {@link PoolListener}). Returns what stops it;
 * calling that again does nothing. This is the pool actor's one way out: the facade and
 * `xstate-workpool/metrics` hear the pool through it too, and `actor.on`
 * hears nothing (the pool emits no events).
 *
 * The listener is called synchronously, while the pool actor processes the
 * event that decided what it is told, in the order decided. It may call
 * back into the pool: what it sends the actor (a facade call included) is
 * queued behind the event being processed and acted on before the
 * outermost call returns, so a `tryAcquire` made from a listener gets
 * `undefined`, and a `get` reads the counts as they stand mid-event. A
 * listener that throws is reported (`reportError`, else `console.error`)
 * and breaks nothing.
 *
 * @throws {TypeError} if `actor` is not a pool actor or `listener` not an object.
 */
export function listenToPool(actor: AnyActorRef, listener: PoolListener): () => void {
  // Not `instanceof`: a bundle of each subpath may hold its own copy of the class.
  const outlet = (actor as Partial<OutletHolder> | undefined)?.getSnapshot?.()?.context?.outlet;
  if (typeof outlet?.listen !== 'function') throw new TypeError('Expected `actor` to be an actor of the pool machine');
  if (typeof listener !== 'object' || listener === null) throw new TypeError('Expected `listener` to be an object');
  let listening = true;
  const unlisten = outlet.listen(listener);
  return () => {
    if (!listening) return;
    listening = false;
    unlisten();
  };
}
