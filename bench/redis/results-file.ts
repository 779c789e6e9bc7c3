import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const START = '<!-- redis-mode:start -->';
const END = '<!-- redis-mode:end -->';

/** The Redis-mode section of `text` (markers included), or undefined when it has none. */
export function redisSection(text: string): string | undefined {
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  return from >= 0 && to > from ? text.slice(from, to + END.length) : undefined;
}

/**
 * `text` with its Redis-mode section replaced by `section` (wrapped in the
 * markers), or with it appended when there was none: `npm run bench` and
 * `npm run bench:redis` each rewrite their own part of bench/RESULTS.md.
 */
export function withRedisSection(text: string, section: string): string {
  const wrapped = `${START}\n${section.trim()}\n${END}`;
  const old = redisSection(text);
  return old === undefined ? `${text.trimEnd()}\n\n${wrapped}\n` : text.replace(old, wrapped);
}

/** Rewrites the Redis-mode section of the file at `url`. */
export function writeRedisSection(url: URL, section: string): void {
  const text = existsSync(url) ? readFileSync(url, 'utf8') : '# Benchmark results\n';
  writeFileSync(url, withRedisSection(text, section));
}
