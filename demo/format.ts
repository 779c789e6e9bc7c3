/** Helpers shared by the demo's views; they format numbers, never colour them. */

/** `ms` as seconds with one decimal: `1.5s`. */
export function seconds(ms: number): string {
  return `${(ms / 1_000).toFixed(1)}s`;
}

/** `fraction` (0–1) as a percentage with one decimal: `66.7%`. */
export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** A bar `width` cells wide, `fraction` (0–1) of it filled. */
export function bar(fraction: number, width: number): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}
