import type { Attributes, BatchObservableResult, Observable } from '@opentelemetry/api';

/**
 * A monotonic count per attribute set, kept here and reported by an
 * observable counter at each collection. Counting is one `Map` update keyed
 * by the attribute object itself (the instrumentation shares one object per
 * attribute set), where the SDK's `Counter.add` hashes the attributes
 * (sorted keys, `JSON.stringify`) on every call: about 1–2 µs once a point
 * carries a pool name or a key.
 */
export class Tally {
  readonly #counts = new Map<Attributes, number>();

  constructor(readonly instrument: Observable) {}

  /** Counts `n` more under `attributes`. */
  add(n: number, attributes: Attributes): void {
    this.#counts.set(attributes, (this.#counts.get(attributes) ?? 0) + n);
  }

  /** Reports every total counted so far (cumulative, as an observable counter's points are). */
  report(result: BatchObservableResult): void {
    for (const [attributes, count] of this.#counts) result.observe(this.instrument, count, attributes);
  }
}
