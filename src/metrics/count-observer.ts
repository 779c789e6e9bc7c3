import type { Attributes, BatchObservableResult, ObservableGauge } from '@opentelemetry/api';
import type { KeyAttributes } from './key-attributes.js';
import type { MeterSource } from './meter-source.js';
import { attributeNames } from './names.js';
import type { KeyAttributeValue } from './options.js';

/** The observable instruments a {@link observeCounts} callback reports to. */
export interface CountInstruments {
  readonly leaseCount: ObservableGauge;
  readonly leaseTarget: ObservableGauge;
  readonly pendingRequests: ObservableGauge;
}

/** Marks the row of keys mapped to no attribute value. */
const NO_KEY = Symbol('no key');

type Row = KeyAttributeValue | typeof NO_KEY;

function add(rows: Map<Row, number>, row: Row, n: number): void {
  rows.set(row, (rows.get(row) ?? 0) + n);
}

/**
 * Reports the rows of one instrument, and 0 once for each row it reported
 * last time and has no more (a key whose group or waiters are gone): the
 * SDK keeps exporting an attribute set's last observed value, which would
 * leave a vanished key's last count standing.
 */
class RowReporter {
  #last = new Set<Row>();

  constructor(
    private readonly instrument: ObservableGauge,
    private readonly attributesOf: (row: Row) => Attributes,
  ) {}

  report(result: BatchObservableResult, rows: Map<Row, number>): void {
    for (const [row, n] of rows) result.observe(this.instrument, n, this.attributesOf(row));
    for (const row of this.#last) if (!rows.has(row)) result.observe(this.instrument, 0, this.attributesOf(row));
    this.#last = new Set(rows.keys());
  }
}

/**
 * Returns the batch callback that reads the source's counts at each
 * collection and reports them summed per attribute value. The row without a
 * key is always reported (0 when no key falls in it), so the totals exist
 * from the first collection; rows with a key are reported while they have
 * a group or a waiter, and as 0 at the first collection after.
 */
export function observeCounts(
  source: MeterSource,
  keys: KeyAttributes,
  instruments: CountInstruments,
): (result: BatchObservableResult) => void {
  const attributesOf = (row: Row) => keys.forValue(row === NO_KEY ? undefined : row);
  const keyedScope = new Map<Row, Attributes>();
  const keyedAttributesOf = (row: Row) => {
    let attributes = keyedScope.get(row);
    if (!attributes) {
      attributes = { ...attributesOf(row), [attributeNames.requestScope]: 'key' };
      keyedScope.set(row, attributes);
    }
    return attributes;
  };
  const anyKeyAttributes = { ...keys.base, [attributeNames.requestScope]: 'any_key' };
  const activeRows = new RowReporter(instruments.leaseCount, attributesOf);
  const targetRows = new RowReporter(instruments.leaseTarget, attributesOf);
  const keyedRows = new RowReporter(instruments.pendingRequests, keyedAttributesOf);
  return (result) => {
    const active = new Map<Row, number>([[NO_KEY, 0]]);
    const target = new Map<Row, number>([[NO_KEY, 0]]);
    source.readGroups((key, groupTarget, groupActive) => {
      const row = keys.valueOf(key) ?? NO_KEY;
      add(active, row, groupActive);
      add(target, row, groupTarget);
    });
    activeRows.report(result, active);
    targetRows.report(result, target);

    const keyed = new Map<Row, number>([[NO_KEY, 0]]);
    source.readKeyedWaiters((key, count) => add(keyed, keys.valueOf(key) ?? NO_KEY, count));
    result.observe(instruments.pendingRequests, source.readAnyKeyWaiters(), anyKeyAttributes);
    keyedRows.report(result, keyed);
  };
}
