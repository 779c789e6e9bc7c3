/**
 * Names group actors after their keys, deterministically: `group:spam` for
 * the string key "spam". Ids stay unique where string forms collide: any
 * key that is not a plain string, and any string that starts with "(", is
 * written with its type in parentheses (`group:(number) 1` beside
 * `group:1`). Keys compared by identity (objects, functions, symbols) get a
 * number in the order this namer first saw them: `group:(object #1)`.
 */
export class ChildIdNamer {
  #identities = new WeakMap<object, number>();
  #symbols = new Map<symbol, number>();
  #nextIdentity = 1;

  /** The actor id for the group of `key`. */
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
        return `(symbol #${this.#symbolNumber(key)}) ${key.description ?? ''}`.trimEnd();
      case 'object':
        if (key === null) return '(null)';
        return `(object #${this.#identityNumber(key)})`;
      case 'function':
        return `(function #${this.#identityNumber(key)}) ${key.name}`.trimEnd();
    }
  }

  #identityNumber(key: object): number {
    let n = this.#identities.get(key);
    if (n === undefined) {
      n = this.#nextIdentity++;
      this.#identities.set(key, n);
    }
    return n;
  }

  #symbolNumber(key: symbol): number {
    let n = this.#symbols.get(key);
    if (n === undefined) {
      n = this.#nextIdentity++;
      this.#symbols.set(key, n);
    }
    return n;
  }
}
