import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const START = '<!-- redis-mode:start -->';
const END = '<!-- redis-mode:end -->';

function bounds(text: string): { from: number; to: number } | undefined {
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  return from >= 0 && to > from ? { from, to: to + END.length } : undefined;
}

/** The Redis-mode section of `text`, without its markers, or undefined when it has none. */
export function redisSection(text: string): string | undefined {
  const found = bounds(text);
  return found && text.slice(found.from + START.length, found.to - END.length).trim();
}

/**
 * `text` with its Redis-mode section replaced by `section` (wrapped in the
 * markers), or with it appended when there was none: `npm run bench` and
 * `npm run bench:redis` each rewrite their own part of bench/RESULTS.md.
 */
export function withRedisSection(text: string, section: string): string {
  const wrapped = `${START}\n${section.trim()}\n${END}`;
  const found = bounds(text);
  return found === undefined
    ? `${text.trimEnd()}\n\n${wrapped}\n`
    : text.slice(0, found.from) + wrapped + text.slice(found.to);
}

/** Rewrites the Redis-mode section of the file at `url`. */
export function writeRedisSection(url: URL, section: string): void {
  const text = existsSync(url) ? readFileSync(url, 'utf8') : '# Benchmark results\n';
  writeFileSync(url, withRedisSection(text, section));
}
