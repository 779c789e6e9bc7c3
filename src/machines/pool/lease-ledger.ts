import type { GroupEntry } from './group-table.js';

/**
 * The leases that are out, by id, and the next id to issue (SPEC S6: ids are
 * positive, unique in the pool, increasing in grant order). Settling a lease
 * twice finds nothing the second time, which is what makes release
 * idempotent and keeps a stray release from touching any group's counts.
 */
export class LeaseLedger {
  #out = new Map<number, GroupEntry>();
  #nextId = 1;

  /** How many leases are out. */
  get size(): number {
    return this.#out.size;
  }

  /** Whether lease `leaseId` is out. */
  has(leaseId: number): boolean {
    return this.#out.has(leaseId);
  }

  /** Records a new lease of `entry`'s group and returns its id. */
  issue(entry: GroupEntry): number {
    const id = this.#nextId++;
    this.#out.set(id, entry);
    return id;
  }

  /** Takes lease `leaseId` back; returns its group, or undefined if it was not out. */
  settle(leaseId: number): GroupEntry | undefined {
    const entry = this.#out.get(leaseId);
    if (entry) this.#out.delete(leaseId);
    return entry;
  }

  toJSON(): { out: number; nextId: number } {
    return { out: this.#out.size, nextId: this.#nextId };
  }
}
