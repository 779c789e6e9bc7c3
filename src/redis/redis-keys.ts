/**
 * A lone surrogate: a string holding one cannot travel as UTF-8, so two
 * different keys would reach Redis as the same bytes.
 */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Starts the escaped form of a string that cannot travel as it is. */
const ESCAPE = '\uFFFF';

/**
 * The text a JavaScript string is stored as in Redis: the string itself,
 * except one with a lone surrogate or starting with U+FFFF, which is
 * written as U+FFFF and the hex of its UTF-16 code units. Injective, so no
 * two keys share data; {@link decodeText} is its inverse.
 */
export function encodeText(text: string): string {
  if (!text.startsWith(ESCAPE) && !loneSurrogate.test(text)) return text;
  let out = ESCAPE;
  for (let i = 0; i < text.length; i++) out += text.charCodeAt(i).toString(16).padStart(4, '0');
  return out;
}

/** The string {@link encodeText} stored as `stored`. */
export function decodeText(stored: string): string {
  if (!stored.startsWith(ESCAPE)) return stored;
  let out = '';
  for (let i = ESCAPE.length; i + 4 <= stored.length; i += 4) {
    out += String.fromCharCode(Number.parseInt(stored.slice(i, i + 4), 16));
  }
  return out;
}

/** Escapes the characters that would end or split a hash tag, and the escape itself. */
function tagPart(text: string): string {
  return encodeText(text).replace(/[%{}:]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The Redis keys of one pool, or of one shard of a sharded pool (D9). All
 * share one hash tag, so they live in one Cluster slot.
 */
export interface PoolKeys {
  /** The hash tag, braces included: the start of every key; ARGV[1] of every script. */
  readonly tag: string;
  /** KEYS of every script: groups, ready, members, anyq, meta. */
  readonly fixed: readonly string[];
  /** The notification channel of `member`. */
  channel(member: string): string;
}

/**
 * The hash tag of the pool `name` under `prefix`: `{<prefix>:<name>}`,
 * prefix and name escaped so that `{`, `}` and `:` in them can neither end
 * the tag nor make two pools meet.
 */
export function poolTag(prefix: string, name: string): string {
  return `{${tagPart(prefix)}:${tagPart(name)}}`;
}

/** The keys under the hash tag `tag`. */
export function keysOfTag(tag: string): PoolKeys {
  return {
    tag,
    fixed: ['groups', 'ready', 'members', 'anyq', 'meta'].map((part) => `${tag}${part}`),
    channel: (member) => `${tag}ch:${member}`,
  };
}

/** The keys of the pool `name` under `prefix` with one shard (the layout of D1–D8). */
export function poolKeys(prefix: string, name: string): PoolKeys {
  return keysOfTag(poolTag(prefix, name));
}
