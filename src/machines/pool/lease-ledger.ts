import type { Linked, LinkedList } from '../linked-list.js';
import type { GroupEntry } from './group-table.js';

/**
 * One lease that is out: its id, its group, and whether it was revoked. An
 * unrevoked lease sits in its group's list of unrevoked leases, in grant
 * order, so that revoking the newest is taking from that list's end.
 */
export class LeaseRecord implements Linked<LeaseRecord> {
  prev: LeaseRecord | undefined;
  next: LeaseRecord | undefined;
  list: LinkedList<LeaseRecord> | undefined;
  /** Set once the pool asked the holder to wind down; never cleared. */
  revoked = false;

  constructor(
    readonly id: number,
    readonly entry: GroupEntry,
  ) {}

  toJSON(): number {
    return this.id;
  }
}

/**
 * The leases that are out, by id, and the next id to issue (ids are
 * positive, unique in the pool, increasing in grant order). Settling a lease
 * twice finds nothing the second time, which is what makes release
 * idempotent and keeps a stray release from touching any group's counts.
 */
export class LeaseLedger {
  #out = new Map<number, LeaseRecord>();
  #nextId = 1;
  #revokedOut = 0;

  /** How many leases are out. */
  get size(): number {
    return this.#out.size;
  }

  /** How many leases are out that were revoked. */
  get revokedOut(): number {
    return this.#revokedOut;
  }

  /** Whether lease `leaseId` is out. */
  has(leaseId: number): boolean {
    return this.#out.has(leaseId);
  }

  /** Whether lease `leaseId` is out and was revoked. */
  isRevoked(leaseId: number): boolean {
    return this.#revokedOut > 0 && this.#out.get(leaseId)?.revoked === true;
  }

  /** The group of lease `leaseId`, if it is out. */
  groupOf(leaseId: number): GroupEntry | undefined {
    return this.#out.get(leaseId)?.entry;
  }

  /** Records a new lease of `entry`'s group and returns its id. */
  issue(entry: GroupEntry): number {
    const record = new LeaseRecord(this.#nextId++, entry);
    this.#out.set(record.id, record);
    entry.unrevoked.push(record);
    return record.id;
  }

  /** Takes lease `leaseId` back; returns its group, or undefined if it was not out. */
  settle(leaseId: number): GroupEntry | undefined {
    const record = this.#out.get(leaseId);
    if (!record) return undefined;
    this.#out.delete(leaseId);
    if (record.revoked) this.#revokedOut--;
    else record.entry.unrevoked.remove(record);
    return record.entry;
  }

  /**
   * Revokes the newest unrevoked leases of `entry`'s group until at most
   * `keep` are left unrevoked, and returns the ids revoked, newest first.
   */
  revokeNewest(entry: GroupEntry, keep: number): number[] {
    const revoked: number[] = [];
    while (entry.unrevoked.size > keep) {
      const record = entry.unrevoked.pop();
      if (!record) break;
      record.revoked = true;
      this.#revokedOut++;
      revoked.push(record.id);
    }
    return revoked;
  }

  toJSON(): { out: number; revoked: number; nextId: number } {
    return { out: this.#out.size, revoked: this.#revokedOut, nextId: this.#nextId };
  }
}
