import { encodeText } from './redis-keys.js';

/** The most shards a pool may have (D9). */
export const maxShards = 1024;

/** Redis Cluster's hash slots. */
const slots = 16384;

/**
 * The shard of `key` in a pool of `shards` shards: FNV-1a (32 bits) of the
 * UTF-8 bytes of the key as Redis stores it, modulo `shards`. Fixed: the
 * same in every member and every version, so members agree on where a
 * key's group, queue and leases live (README: "Sharding a pool").
 */
export function shardOf(key: string, shards: number): number {
  if (shards === 1) return 0;
  let hash = 0x811c9dc5;
  for (const byte of utf8.encode(encodeText(key))) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** CRC16-CCITT (XMODEM) of each byte value, high byte first: the table Redis Cluster hashes keys with. */
const crcTable = Uint16Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  return crc;
});

/** CRC16-CCITT (XMODEM) of `bytes`, as Redis Cluster hashes keys. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = crcStep(crc, byte);
  return crc;
}

function crcStep(crc: number, byte: number): number {
  return ((crc << 8) & 0xffff) ^ (crcTable[((crc >> 8) ^ byte) & 0xff] as number);
}

const utf8 = new TextEncoder();

/** The Cluster hash slot of a key whose hash tag is `tag` (braces included). */
export function tagSlot(tag: string): number {
  return crc16(utf8.encode(tag.slice(1, -1))) % slots;
}

/**
 * The hash tag of shard `index` of a pool of `shards` shards whose one-shard
 * tag is `home` (`{<prefix>:<name>}`): `home` itself when `shards` is 1 (the
 * layout of D1–D8), else `{<prefix>:<name>:<index>/<shards>:<j>}` with `j`
 * the least that puts the tag's slot in the `index`-th of `shards` equal
 * ranges of the 16384 slots, so a Cluster whose masters hold equal slot
 * ranges holds equal numbers of shards. `:` in prefix and name is escaped,
 * so the suffix cannot be read from either.
 */
export function shardTag(home: string, index: number, shards: number): string {
  if (shards === 1) return home;
  const low = Math.ceil((index * slots) / shards);
  const high = Math.ceil(((index + 1) * slots) / shards);
  const stem = `${home.slice(0, -1)}:${index}/${shards}:`;
  const stemCrc = crc16(utf8.encode(stem.slice(1)));
  for (let j = 0; ; j++) {
    // The digits of j are ASCII: their char codes are their bytes.
    const digits = String(j);
    let crc = stemCrc;
    for (let i = 0; i < digits.length; i++) crc = crcStep(crc, digits.charCodeAt(i));
    const slot = crc % slots;
    if (slot >= low && slot < high) return `${stem}${j}}`;
  }
}
