import { type Linked, LinkedList } from '../linked-list.js';

/** What a waiter accepts: a lease of any group, or only of `key`'s group. */
export type LeaseWant = { readonly anyKey: true } | { readonly anyKey: false; readonly key: unknown };

/** One pending `acquire()`. */
export class Waiter implements Linked<Waiter> {
  prev: Waiter | undefined;
  next: Waiter | undefined;
  list: LinkedList<Waiter> | undefined;

  constructor(
    readonly requestId: number,
    /** Arrival order across all waiters, for FIFO between the two queues. */
    readonly seq: number,
    readonly want: LeaseWant,
  ) {}

  toJSON(): { requestId: number; key?: unknown } {
    return this.want.anyKey ? { requestId: this.requestId } : { requestId: this.requestId, key: this.want.key };
  }
}

/**
 * The waiters, first come, first served: one queue of any-key waiters and one queue
 * per wanted key. Finding the oldest waiter a group can serve compares two
 * queue heads, so it costs the same however many waiters there are.
 */
export class WaiterQueue {
  #anyKey = new LinkedList<Waiter>();
  #byKey = new Map<unknown, LinkedList<Waiter>>();
  #byRequest = new Map<number, Waiter>();
  #nextSeq = 1;

  /** How many waiters are pending. */
  get size(): number {
    return this.#byRequest.size;
  }

  /** How many waiters asked for `key`'s group only (any-key waiters not counted). */
  countFor(key: unknown): number {
    return this.#byKey.get(key)?.size ?? 0;
  }

  /** How many pending waiters accept a lease of any group. */
  get anyKeySize(): number {
    return this.#anyKey.size;
  }

  /**
   * Calls `visit` once per key that waiters ask for, with how many do; for
   * readers such as metrics, never for grant decisions.
   */
  forEachKeyed(visit: (key: unknown, count: number) => void): void {
    for (const [key, queue] of this.#byKey) visit(key, queue.size);
  }

  /** Queues request `requestId` behind every waiter already pending. */
  add(requestId: number, want: LeaseWant): void {
    const waiter = new Waiter(requestId, this.#nextSeq++, want);
    this.#byRequest.set(requestId, waiter);
    if (want.anyKey) {
      this.#anyKey.push(waiter);
      return;
    }
    let queue = this.#byKey.get(want.key);
    if (!queue) {
      queue = new LinkedList<Waiter>();
      this.#byKey.set(want.key, queue);
    }
    queue.push(waiter);
  }

  /** The oldest waiter that accepts a lease of `key`'s group. */
  oldestFor(key: unknown): Waiter | undefined {
    const anyKey = this.#anyKey.first;
    const keyed = this.#byKey.get(key)?.first;
    if (!anyKey) return keyed;
    if (!keyed) return anyKey;
    return keyed.seq < anyKey.seq ? keyed : anyKey;
  }

  /** Takes `waiter` out of the queue. */
  remove(waiter: Waiter): void {
    this.#byRequest.delete(waiter.requestId);
    const list = waiter.list;
    if (!list) return;
    list.remove(waiter);
    // An empty per-key queue is dropped so that keys waited on once cost nothing.
    if (!waiter.want.anyKey && list.size === 0) this.#byKey.delete(waiter.want.key);
  }

  /** Takes request `requestId` out of the queue; false if it was not pending. */
  cancel(requestId: number): boolean {
    const waiter = this.#byRequest.get(requestId);
    if (!waiter) return false;
    this.remove(waiter);
    return true;
  }

  /** Empties the queue and returns the request ids it held, oldest first. */
  clear(): number[] {
    const ids = [...this.#byRequest.values()].sort((a, b) => a.seq - b.seq).map((w) => w.requestId);
    this.#anyKey.clear();
    for (const queue of this.#byKey.values()) queue.clear();
    this.#byKey.clear();
    this.#byRequest.clear();
    return ids;
  }

  toJSON(): { waiting: number; anyKey: number; keysWaitedOn: number } {
    return { waiting: this.size, anyKey: this.#anyKey.size, keysWaitedOn: this.#byKey.size };
  }
}
