/** `1234567` → `1,234,567`; NaN and infinities as a dash. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return Math.round(value).toLocaleString('en-US');
}

/** A ratio as `0.52×`; NaN as a dash. */
export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : '–';
}

/** A duration in milliseconds with a sensible number of digits. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  return ms >= 100 ? `${Math.round(ms).toLocaleString('en-US')} ms` : `${ms.toFixed(1)} ms`;
}

/** A duration in microseconds, from milliseconds. */
export function formatMicros(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const us = ms * 1000;
  return us >= 100 ? `${Math.round(us)} µs` : `${us.toFixed(1)} µs`;
}

/** A byte count as bytes or KB (1 KB = 1,024 bytes). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  return bytes >= 1024 ? `${(bytes / 1024).toFixed(2)} KB` : `${Math.round(bytes)} B`;
}
