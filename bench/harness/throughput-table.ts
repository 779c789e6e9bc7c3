import { formatCount, formatMicros, formatRatio } from './format.js';
import type { Section } from './table.js';

/** A measured subject: its median rate, and whether it is a peer or the engine floor. */
export interface RateRow {
  readonly name: string;
  readonly opsPerSecond: number;
  readonly kind: 'pool' | 'peer' | 'floor';
}

/**
 * A throughput table: each subject's median ops/s, time per op, and its
 * ratio to the best peer (the engine floor is shown, never counted as a peer).
 */
export function throughputSection(title: string, note: string, rows: readonly RateRow[]): Section {
  const best = Math.max(...rows.filter((row) => row.kind === 'peer').map((row) => row.opsPerSecond));
  return {
    title,
    note,
    columns: ['subject', 'median ops/s', 'per op', 'vs best peer'],
    rows: rows.map((row) => [
      row.kind === 'pool' ? `**${row.name}**` : row.name,
      formatCount(row.opsPerSecond),
      formatMicros(1000 / row.opsPerSecond),
      row.kind === 'floor' ? '(floor)' : formatRatio(row.opsPerSecond / best),
    ]),
  };
}
