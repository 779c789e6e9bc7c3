/**
 * A node that can sit in at most one {@link LinkedList} at a time. The list
 * owns the three fields; nothing else writes them.
 */
export interface Linked<T extends Linked<T>> {
  prev: T | undefined;
  next: T | undefined;
  list: LinkedList<T> | undefined;
}

/** How many nodes a serialised list shows. */
const NODES_SHOWN = 50;

/**
 * An intrusive doubly linked FIFO. Push, shift, remove and "move to back"
 * are O(1) and allocate nothing, which is what lets grants and aborts cost
 * the same with one waiter or a million (SPEC, Scale).
 */
export class LinkedList<T extends Linked<T>> {
  #head: T | undefined;
  #tail: T | undefined;
  #size = 0;

  /** How many nodes are in the list. */
  get size(): number {
    return this.#size;
  }

  /** The oldest node, or `undefined` when the list is empty. */
  get first(): T | undefined {
    return this.#head;
  }

  /** Whether `node` is in this list. */
  has(node: T): boolean {
    return node.list === this;
  }

  /** Appends `node`, taking it out of any list it was in first. */
  push(node: T): void {
    node.list?.remove(node);
    node.list = this;
    node.prev = this.#tail;
    node.next = undefined;
    if (this.#tail) this.#tail.next = node;
    else this.#head = node;
    this.#tail = node;
    this.#size++;
  }

  /** Removes `node` if it is in this list; does nothing otherwise. */
  remove(node: T): void {
    if (node.list !== this) return;
    if (node.prev) node.prev.next = node.next;
    else this.#head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.#tail = node.prev;
    node.prev = node.next = node.list = undefined;
    this.#size--;
  }

  /** Removes and returns the oldest node. */
  shift(): T | undefined {
    const head = this.#head;
    if (head) this.remove(head);
    return head;
  }

  /** Removes and returns the newest node. */
  pop(): T | undefined {
    const tail = this.#tail;
    if (tail) this.remove(tail);
    return tail;
  }

  /** Empties the list, unlinking every node. */
  clear(): void {
    while (this.#head) this.remove(this.#head);
  }

  /** The first nodes, oldest first, capped so that a snapshot of a long list stays small. */
  toJSON(): T[] {
    const shown: T[] = [];
    for (let node = this.#head; node && shown.length < NODES_SHOWN; node = node.next) shown.push(node);
    return shown;
  }

  /** The nodes, oldest first. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let node = this.#head; node; node = node.next) yield node;
  }
}
