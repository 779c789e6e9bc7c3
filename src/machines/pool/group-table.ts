import { type ActorRefFrom, type AnyActorRef, createActor } from 'xstate';
import { type GroupMachine, groupMachine } from '../group/group-machine.js';
import type { GroupCounts } from '../group/standing.js';
import { type Linked, LinkedList } from '../linked-list.js';
import { ChildIdNamer } from './child-id.js';
import type { LeaseRecord } from './lease-ledger.js';

/** A running group actor. */
export type GroupActorRef = ActorRefFrom<GroupMachine>;

/**
 * The pool's handle on one group: its key, its actor, and its place in the
 * pool's rotation of groups that can grant. It holds no counts: those are
 * the group actor's, read through {@link GroupEntry.counts}.
 */
export class GroupEntry implements Linked<GroupEntry> {
  prev: GroupEntry | undefined;
  next: GroupEntry | undefined;
  list: LinkedList<GroupEntry> | undefined;
  /** The group's leases out that were not revoked, oldest first. */
  readonly unrevoked = new LinkedList<LeaseRecord>();
  /** The group actor's id, kept after the actor is let go of. */
  readonly id: string;
  #ref: GroupActorRef | undefined;
  /** The counts the group closed with, once its actor is let go of. */
  #closedWith: GroupCounts | undefined;

  constructor(
    readonly key: unknown,
    ref: GroupActorRef,
  ) {
    this.#ref = ref;
    this.id = ref.id;
  }

  /** The group's actor; absent once the stopped pool let go of it. */
  get ref(): GroupActorRef {
    if (!this.#ref) throw new Error(`The actor of ${this.id} was let go of at stop`);
    return this.#ref;
  }

  /** The group actor's current target and active count, or those it closed with. */
  counts(): GroupCounts {
    return this.#closedWith ?? (this.#ref as GroupActorRef).getSnapshot().context;
  }

  /**
   * Keeps only `counts` of a group closed at stop, and lets go of its
   * stopped actor, so that a stopped pool still held costs no actor per key.
   */
  letGo(counts: GroupCounts): void {
    this.#closedWith = { target: counts.target, active: counts.active };
    this.#ref = undefined;
  }

  toJSON(): string {
    return this.id;
  }
}

/** How many keys a serialised table lists, so snapshots stay small at scale. */
const KEYS_SHOWN = 50;

/**
 * The pool's groups by key (SameValueZero, like `Map`). Creating an entry
 * starts its group actor as a child of the pool; deleting one forgets it,
 * the group actor having retired on its own.
 */
export class GroupTable {
  #byKey = new Map<unknown, GroupEntry>();
  #namer = new ChildIdNamer();
  /** The groups stop is closing, in creation order; undefined until stop starts. */
  #closing: GroupEntry[] | undefined;
  #closingAt = 0;

  /** How many groups exist, draining ones included. */
  get size(): number {
    return this.#byKey.size;
  }

  /** The entry of `key`'s group, if it has one. */
  get(key: unknown): GroupEntry | undefined {
    return this.#byKey.get(key);
  }

  /**
   * Starts a group actor for `key` with `target` (≥ 1) as a child of
   * `parent`, and records it.
   */
  create(key: unknown, target: number, parent: AnyActorRef): GroupEntry {
    // createActor with a parent, not spawnChild: spawning copies the parent's
    // children object each time, which is quadratic in the number of keys.
    const ref = createActor(groupMachine, {
      parent,
      id: this.#namer.idFor(key),
      input: { key, target },
    });
    const entry = new GroupEntry(key, ref);
    this.#byKey.set(key, entry);
    ref.start();
    return entry;
  }

  /**
   * Takes the next group for stop to close, in creation order; the first
   * call fixes the list. Undefined once every group has been taken.
   */
  nextToClose(): GroupEntry | undefined {
    this.#closing ??= [...this.#byKey.values()];
    const entry = this.#closing[this.#closingAt];
    if (entry) this.#closingAt++;
    // Let go of the closed entries (and their stopped actors) while a stopped pool is still referenced.
    if (this.#closingAt === this.#closing.length) this.#closing.length = this.#closingAt = 0;
    return entry;
  }

  /** How many groups stop has still to close: all of them before it starts. */
  get leftToClose(): number {
    return this.#closing ? this.#closing.length - this.#closingAt : this.#byKey.size;
  }

  /** Forgets `entry`. */
  delete(entry: GroupEntry): void {
    this.#byKey.delete(entry.key);
  }

  /** The keys that have a group, in the order their groups were created. */
  keys(): IterableIterator<unknown> {
    return this.#byKey.keys();
  }

  /** Every entry, in creation order. */
  values(): IterableIterator<GroupEntry> {
    return this.#byKey.values();
  }

  toJSON(): { count: number; groups: string[] } {
    const groups: string[] = [];
    for (const entry of this.#byKey.values()) {
      if (groups.length === KEYS_SHOWN) break;
      groups.push(entry.id);
    }
    return { count: this.#byKey.size, groups };
  }
}
