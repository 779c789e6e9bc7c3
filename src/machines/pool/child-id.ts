/**
 * Names group actors after their keys, deterministically: `group:spam` for
 * the string key "spam". Ids stay unique where string forms collide: any
 * key that is not a plain string, and any string that starts with "(", is
 * written with its type in parentheses (`group:(number) 1` beside
 * `group:1`). Keys compared by identity (objects, functions, symbols) are
 * numbered in the order their groups are created: `group:(object #1)`. The
 * number is not remembered after the group goes, so the namer holds nothing
 * per key.
 */
export class ChildIdNamer {
  #nextIdentity = 1;

  /** The actor id for a new group of `key`. */
  idFor(key: unknown): string {
    return `group:${this.#describe(key)}`;
  }

  #describe(key: unknown): string {
    switch (typeof key) {
      case 'string':
        return key.startsWith('(') ? `(string) ${key}` : key;
      case 'number':
      case 'bigint':
      case 'boolean':
        return `(${typeof key}) ${String(key)}`;
      case 'undefined':
        return '(undefined)';
      case 'symbol':
        return `(symbol #${this.#nextIdentity++}) ${key.description ?? ''}`.trimEnd();
      case 'object':
        if (key === null) return '(null)';
        return `(object #${this.#nextIdentity++})`;
      case 'function':
        return `(function #${this.#nextIdentity++}) ${key.name}`.trimEnd();
    }
  }
}
